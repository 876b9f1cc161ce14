// JvmChurn is a JVM service with JIT, GC and thread noise and one planted
// leak, to measure dumpdiff on NMT summaries (testdata/README.md, "jvm-churn").
//
//   java -XX:NativeMemoryTracking=summary JvmChurn DIR LIFECYCLES MODE [PLUGINS]
//
// MODE "direct": each lifecycle keeps 24 direct ByteBuffers of 64 KiB (1.5 MiB,
// NMT category Other) in a static list and never frees them.
// MODE "classloader": each lifecycle loads the 150 classes in PLUGINS through a
// fresh URLClassLoader and keeps the loader in a static list (the classic
// per-task class loader leak): NMT categories Class and Metaspace grow.
// Noise in both modes: work that the JIT compiles in stages (Compiler, Code),
// garbage that the GC collects (GC), a random number of short-lived threads
// and a worker pool that grows by 2 threads in lifecycles 1..3 (Thread),
// transient direct buffers that are released at close (Other goes up and down
// within a lifecycle).
// After lifecycle n it creates DIR/ready-n and waits for DIR/go-n.
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;

public class JvmChurn {
    static final List<ByteBuffer> leaked = new ArrayList<>();
    static final List<ClassLoader> loaders = new ArrayList<>();
    static final List<Thread> pool = new ArrayList<>();
    static volatile long sink;

    // Work of several shapes, so the JIT keeps compiling new methods.
    static long mix(long x, int rounds) {
        for (int i = 0; i < rounds; i++) x = x * 6364136223846793005L + 1442695040888963407L ^ (x >>> 13);
        return x;
    }
    static long strings(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) sb.append(i % 7).append(',');
        return sb.toString().split(",").length;
    }
    static long maps(Random r, int n) {
        java.util.HashMap<Integer, long[]> m = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) m.put(r.nextInt(n), new long[1 + r.nextInt(64)]);
        return m.size();
    }

    static void work(Random r, int lc) {
        int scale = 1 + r.nextInt(4);
        for (int i = 0; i < 2000 * scale; i++) sink += mix(i, 50 + lc);
        for (int i = 0; i < 50 * scale; i++) sink += strings(500);
        for (int i = 0; i < 20 * scale; i++) sink += maps(r, 20000);
    }

    static void shortThreads(Random r) throws InterruptedException {
        int n = 2 + r.nextInt(12);
        Thread[] ts = new Thread[n];
        for (int i = 0; i < n; i++) {
            ts[i] = new Thread(() -> sink += strings(2000), "short-" + i);
            ts[i].start();
        }
        for (Thread t : ts) t.join();
    }

    static void growPool(int lc) throws InterruptedException {
        if (lc > 3) return;
        CountDownLatch started = new CountDownLatch(2);
        for (int i = 0; i < 2; i++) {
            Thread t = new Thread(() -> {
                started.countDown();
                try { Thread.sleep(Long.MAX_VALUE); } catch (InterruptedException e) { }
            }, "worker-" + pool.size());
            t.setDaemon(true);
            t.start();
            pool.add(t);
        }
        started.await();
    }

    static void transientDirect(Random r) {
        List<ByteBuffer> tmp = new ArrayList<>();
        int n = 4 + r.nextInt(16);
        for (int i = 0; i < n; i++) tmp.add(ByteBuffer.allocateDirect(64 << 10));
        tmp.clear();
        System.gc(); // the buffers' cleaners free them
    }

    static void leakDirect() {
        for (int i = 0; i < 24; i++) leaked.add(ByteBuffer.allocateDirect(64 << 10));
    }

    static void leakLoader(File plugins, int classes) throws Exception {
        URLClassLoader l = new URLClassLoader(new URL[] {plugins.toURI().toURL()}, JvmChurn.class.getClassLoader());
        for (int i = 0; i < classes; i++) {
            Class<?> c = l.loadClass("Plugin" + i);
            Method m = c.getMethod("run", int.class);
            sink += (int) m.invoke(null, i);
        }
        loaders.add(l);
    }

    static void awaitFile(File f) throws InterruptedException {
        while (!f.exists()) Thread.sleep(20);
    }

    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        int lifecycles = Integer.parseInt(args[1]);
        String mode = args[2];
        File plugins = args.length > 3 ? new File(args[3]) : null;
        Random r = new Random(42);
        for (int lc = 1; lc <= lifecycles; lc++) {
            growPool(lc);
            work(r, lc);
            shortThreads(r);
            transientDirect(r);
            if (mode.equals("direct")) leakDirect();
            else leakLoader(plugins, 150);
            System.gc();
            new File(dir, "ready-" + lc).createNewFile();
            awaitFile(new File(dir, "go-" + lc));
        }
    }
}

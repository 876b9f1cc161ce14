// TaskManager simulates a Flink-like TaskManager for dumpdiff's NMT test data:
// tasks open, process records and close in a loop of restarts (lifecycles)
// inside one JVM, so Native Memory Tracking snapshots taken between
// lifecycles show what each restart leaves behind.
//
// Planted behaviour (the ground truth in testdata/README.md):
//   - LeakyOperator.open() allocates off-heap memory that close() never frees:
//     LEAK_CHUNKS direct ByteBuffers and LEAK_CHUNKS Unsafe.allocateMemory
//     blocks of CHUNK bytes each, 8 MiB per lifecycle in total, all of it in
//     NMT category "Other". The allocating method allocChunk() is called
//     often enough to be JIT-compiled during the first lifecycle, which
//     splits the NMT detail site in two (interpreted and compiled caller).
//   - A warm-up thread pool (WARM_THREADS parked threads) and an interned
//     string cache (INTERNED strings) grow in lifecycles 1 and 2 only
//     (NMT categories Thread and Symbol): plateaus, not leaks.
//   - Short-lived worker threads and transient native buffers come and go
//     within each lifecycle and are gone at the quiet point.
//
//   - With a third argument "fixed", LeakyOperator.close() frees what open()
//     took (direct buffers through their cleaner, Unsafe blocks with
//     freeMemory): the same JVM without the leak.
//
// Usage: java TaskManager.java DIR LIFECYCLES [leaky|fixed]
// After lifecycle n it creates DIR/ready-n and waits until DIR/go-n exists,
// so a script can run jcmd at a quiet point. With a third argument it also
// creates DIR/ready-0 and waits for DIR/go-0 before lifecycle 1 (so that a
// profiler can attach to the started JVM first). Nothing is printed on stdout
// (so -XX:+PrintNMTStatistics output at exit is the only stdout); progress
// goes to stderr.
import java.io.File;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.LockSupport;

public class TaskManager {
    static final int CHUNK = 8 << 10;          // 8 KiB per allocation
    static final int LEAK_CHUNKS = 512;        // per kind per lifecycle: 4 MiB direct + 4 MiB Unsafe
    static final int WARM_THREADS = 8;         // pool threads added in lifecycles 1 and 2
    // strings interned in lifecycles 1 and 2 (-Dtm.interned=N to change)
    static final int INTERNED = Integer.getInteger("tm.interned", 40_000);
    static final int TRANSIENT_THREADS = 6;    // short-lived workers per lifecycle

    static final sun.misc.Unsafe UNSAFE = unsafe();
    static boolean fixed; // close() frees what open() took

    // Everything the leaky operator ever allocated stays reachable from here.
    static final List<ByteBuffer> leakedBuffers = new ArrayList<>();
    static final List<Long> leakedAddresses = new ArrayList<>();
    // The warm-up cache keeps its interned strings (and so their StringTable entries).
    static final List<String> internCache = new ArrayList<>();
    static final List<Thread> warmPool = new ArrayList<>();

    static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("no theUnsafe", e);
        }
    }

    interface Operator {
        void open(int lifecycle);
        long process(long record);
        void close();
    }

    // LeakyOperator's close() forgets the off-heap memory open() took.
    static final class LeakyOperator implements Operator {
        private int first; // index of this lifecycle's first chunk in the lists

        public void open(int lifecycle) {
            first = leakedBuffers.size();
            for (int i = 0; i < LEAK_CHUNKS; i++) {
                allocChunk(i);
            }
        }

        // allocChunk is the hot allocating method: 2 * LEAK_CHUNKS calls per
        // lifecycle get it compiled by C1 then C2 during lifecycle 1.
        static void allocChunk(int i) {
            ByteBuffer b = ByteBuffer.allocateDirect(CHUNK);
            b.putInt(0, i);
            leakedBuffers.add(b);
            long addr = UNSAFE.allocateMemory(CHUNK);
            UNSAFE.putLong(addr, i);
            leakedAddresses.add(addr);
        }

        public long process(long record) {
            return record * 31 + 7;
        }

        public void close() {
            // The bug: the buffers and addresses are never released.
            if (!fixed) {
                return;
            }
            for (int i = first; i < leakedBuffers.size(); i++) {
                UNSAFE.invokeCleaner(leakedBuffers.get(i));
                UNSAFE.freeMemory(leakedAddresses.get(i));
            }
            leakedBuffers.subList(first, leakedBuffers.size()).clear();
            leakedAddresses.subList(first, leakedAddresses.size()).clear();
        }
    }

    // ScratchOperator uses native memory while processing and frees it.
    static final class ScratchOperator implements Operator {
        private long scratch;

        public void open(int lifecycle) {
            scratch = UNSAFE.allocateMemory(256 << 10);
        }

        public long process(long record) {
            UNSAFE.putLong(scratch + (record & 1023) * 8, record);
            return UNSAFE.getLong(scratch + (record & 1023) * 8);
        }

        public void close() {
            UNSAFE.freeMemory(scratch);
            scratch = 0;
        }
    }

    static void warmUp(int lifecycle) {
        if (lifecycle > 2) {
            return;
        }
        for (int i = 0; i < WARM_THREADS; i++) {
            Thread t = new Thread(() -> {
                while (true) {
                    LockSupport.park();
                }
            }, "warm-pool-" + lifecycle + "-" + i);
            t.setDaemon(true);
            t.start();
            warmPool.add(t);
        }
        for (int i = 0; i < INTERNED; i++) {
            internCache.add(("cache-key-" + lifecycle + "-" + i + "-" + Long.toHexString(i * 2654435761L)).intern());
        }
    }

    static void runTransientWorkers(int lifecycle) throws InterruptedException {
        CountDownLatch done = new CountDownLatch(TRANSIENT_THREADS);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < TRANSIENT_THREADS; i++) {
            final int n = i;
            Thread t = new Thread(() -> {
                // A transient direct buffer per worker, freed explicitly below
                // through a plain Unsafe block instead (the Cleaner would wait for GC).
                long tmp = UNSAFE.allocateMemory((64 << 10) * (n + 1));
                UNSAFE.setMemory(tmp, (64 << 10) * (n + 1), (byte) lifecycle);
                UNSAFE.freeMemory(tmp);
                done.countDown();
            }, "transient-" + lifecycle + "-" + i);
            t.start();
            ts.add(t);
        }
        done.await();
        for (Thread t : ts) {
            t.join();
        }
    }

    static void awaitFile(File f) throws InterruptedException {
        while (!f.exists()) {
            Thread.sleep(20);
        }
    }

    // runLifecycle opens the operators, processes records and closes them.
    static void runLifecycle(int lc) throws InterruptedException {
        Operator[] ops = {new LeakyOperator(), new ScratchOperator()};
        for (Operator op : ops) {
            op.open(lc);
        }
        warmUp(lc);
        long acc = 0;
        for (long r = 0; r < 200_000; r++) {
            for (Operator op : ops) {
                acc += op.process(r);
            }
        }
        runTransientWorkers(lc);
        for (Operator op : ops) {
            op.close();
        }
        System.gc();
        Thread.sleep(200); // let the GC and reference handler settle
        System.err.printf("lifecycle %d done (acc %d, leaked %d buffers, %d blocks, %d pool threads)%n",
                lc, acc, leakedBuffers.size(), leakedAddresses.size(), warmPool.size());
    }

    public static void main(String[] args) throws Exception {
        File dir = new File(args[0]);
        int lifecycles = Integer.parseInt(args[1]);
        fixed = args.length > 2 && args[2].equals("fixed");
        if (args.length > 2) {
            new File(dir, "ready-0").createNewFile();
            awaitFile(new File(dir, "go-0"));
        }
        for (int lc = 1; lc <= lifecycles; lc++) {
            runLifecycle(lc);
            new File(dir, "ready-" + lc).createNewFile();
            awaitFile(new File(dir, "go-" + lc));
        }
    }
}

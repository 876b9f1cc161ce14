import java.io.File;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.Inflater;
import sun.misc.Unsafe;

/**
 * JvmLifecycle simulates a Flink-like TaskManager inside one JVM that runs
 * under jemalloc (LD_PRELOAD) with heap profiling on, so that jemalloc's
 * heap_v2 dumps show real native stacks through libjvm.so, libzip.so and
 * libz.so. It produces testdata/jemalloc/jvm; see testdata/gen/gen.sh.
 *
 * <p>A dump per lifecycle without JNI: jemalloc writes an interval dump
 * (lg_prof_interval) every 2^N bytes allocated, so at the end of each
 * lifecycle the program churns native memory (zlib Inflaters created and
 * ended) until a new dump file appears in the dump directory. The dump then
 * shows the state after close, plus at most one Inflater in flight (a few
 * KiB under inflateInit2_, a site of its own).
 *
 * <p>Per lifecycle:
 * <ul>
 * <li>leak: LeakyOperator.open keeps 2 direct ByteBuffers of 2 MiB
 *     (Unsafe_AllocateMemory0 -> os::malloc -> malloc), never released; a
 *     2 MiB block is sampled almost surely at any sampling period up to
 *     jemalloc's default 512 KiB (probability 1-e^-4 there);
 * <li>plateau: in lifecycles 1 and 2 the state backend creates 24 Deflaters
 *     each (zlib deflateInit2_, about 268 KiB of native memory each), kept
 *     for good;
 * <li>transient: a 1 MiB Unsafe block allocated and freed while processing.
 * </ul>
 */
public final class JvmLifecycle {
    static final int MIB = 1 << 20;
    static final List<ByteBuffer> leaked = new ArrayList<>();
    static final List<Deflater> deflaters = new ArrayList<>();
    static Unsafe unsafe;

    static final class LeakyOperator {
        void open() {
            for (int i = 0; i < 2; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(2 * MIB);
                b.put(0, (byte) 1);
                leaked.add(b);
            }
        }

        void close() {
            // The bug: the direct buffers from open are never released.
        }
    }

    static void stateBackendInit(int lifecycle) {
        if (lifecycle > 2) {
            return; // warm: the compressor pool is full
        }
        for (int i = 0; i < 24; i++) {
            Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION);
            d.setInput(new byte[] {1, 2, 3});
            d.finish();
            d.deflate(new byte[64]); // forces zlib to allocate its state now
            deflaters.add(d);
        }
    }

    static void processRecords() {
        long p = unsafe.allocateMemory(MIB);
        unsafe.setMemory(p, MIB, (byte) 0x5a);
        unsafe.freeMemory(p);
    }

    static int dumps(File dir) {
        String[] names = dir.list((d, n) -> n.endsWith(".heap"));
        return names == null ? 0 : names.length;
    }

    /**
     * churnUntilDump allocates and frees native memory (zlib inflate state,
     * not the leak's path) until jemalloc has written one more dump.
     */
    static void churnUntilDump(File dir, int before) throws InterruptedException {
        for (int i = 0; dumps(dir) <= before; i++) {
            Inflater inf = new Inflater();
            inf.end();
            if (i > 10_000_000) {
                throw new IllegalStateException("no jemalloc dump appeared in " + dir
                        + " (is MALLOC_CONF=prof:true,lg_prof_interval:N set and jemalloc preloaded?)");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: JvmLifecycle LIFECYCLES DUMPDIR");
            System.exit(2);
        }
        int n = Integer.parseInt(args[0]);
        File dir = new File(args[1]);
        Field f = Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        unsafe = (Unsafe) f.get(null);
        for (int lc = 1; lc <= n; lc++) {
            int before = dumps(dir);
            stateBackendInit(lc);
            LeakyOperator op = new LeakyOperator();
            op.open();
            processRecords();
            op.close();
            churnUntilDump(dir, before);
            System.out.println("lifecycle " + lc + ": " + dumps(dir) + " dumps");
        }
    }
}

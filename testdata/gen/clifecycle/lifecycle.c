// lifecycle simulates a Flink-like worker that opens, processes and closes a
// task N times inside one process, and writes a heap snapshot after each
// close. It exists to produce real allocator dumps with a known ground truth
// for dumpdiff's tests (see testdata/README.md).
//
// Build with exactly one of -DUSE_TCMALLOC (gperftools heap profiler,
// HeapProfilerDump, or with -sample tcmalloc's sampled GetHeapSample; link
// heap_sample.cc), -DUSE_JEMALLOC (jemalloc with profiling, mallctl
// "prof.dump") or -DUSE_HEAPTRACK (glibc malloc, run under heaptrack, which
// records every allocation and free: no snapshot is written, and -period
// spaces the lifecycles out in time so that one recording can be cut into
// them). Build flags: -O1 -g -fno-omit-frame-pointer -fPIE -pie
// -Wl,--build-id, so every behaviour below keeps its own frame.
//
// Behaviours per lifecycle (bytes are requested sizes; allocators may round):
//   leaky_operator_open     leak: 2 x 2 MiB segments, never freed
//   register_metrics        leak: 64 x 4000 B gauges, never freed
//   warmup_cache_fill       plateau: +12 MiB in lifecycles 0 and 1, then full
//   fluctuating_pool_fill   noise: a pool of random size (1-6 MiB) each lifecycle
//   transient_buffer_alloc  transient: 8 MiB while processing, freed at close
//   load_config             steady: 512 KiB at start-up, kept
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(USE_TCMALLOC)
#include <gperftools/heap-profiler.h>
#elif defined(USE_JEMALLOC)
#include <jemalloc/jemalloc.h>
#elif !defined(USE_HEAPTRACK)
#error "build with -DUSE_TCMALLOC, -DUSE_JEMALLOC or -DUSE_HEAPTRACK"
#endif

#define NOINLINE __attribute__((noinline))
#define KiB ((size_t)1024)
#define MiB (1024 * KiB)

#define LEAK_SEGMENTS 2
#define LEAK_SEGMENT_SIZE (2 * MiB)
#define METRIC_GAUGES 64
#define METRIC_GAUGE_SIZE ((size_t)4000)
#define CACHE_ENTRY_SIZE (128 * KiB)
#define CACHE_STEP (12 * MiB)
#define CACHE_CAPACITY (24 * MiB)
#define TRANSIENT_BUFFERS 32
#define TRANSIENT_BUFFER_SIZE (256 * KiB)
#define CONFIG_SIZE (512 * KiB)

// Every kept block starts with a link to the next one, so the memory stays
// reachable, the compiler cannot drop the allocations, and the bookkeeping
// allocates nothing of its own (no extra sites in the profile).
struct node {
	struct node *next;
};

static struct node *leaked;        // leaky_operator_open and register_metrics
static struct node *cache;         // warmup_cache_fill
static size_t cache_bytes;
static struct node *pool;          // fluctuating_pool_fill
static struct node *transient;     // transient_buffer_alloc
static void *config;               // load_config
static volatile uint64_t checksum; // keeps the touch loops alive
static volatile int leak_segments = LEAK_SEGMENTS;

// rng is a seeded xorshift64* generator, so every run (and every restart run
// of k lifecycles) sees the same pool sizes.
static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1Dull;
}

static void touch(void *p, size_t n)
{
	if (p == NULL) {
		fprintf(stderr, "lifecycle: out of memory\n");
		exit(1);
	}
	memset(p, 0xA5, n);
	checksum += ((unsigned char *)p)[n - 1];
}

static void keep(struct node **list, void *block)
{
	struct node *n = block;
	n->next = *list;
	*list = n;
}

static void free_list(struct node **list)
{
	while (*list != NULL) {
		struct node *n = *list;
		*list = n->next;
		free(n);
	}
}

NOINLINE void load_config(void)
{
	config = malloc(CONFIG_SIZE);
	touch(config, CONFIG_SIZE);
}

// leaky_operator_open is the planted leak: it allocates segments that
// leaky_operator_close forgets to free.
NOINLINE void leaky_operator_open(void)
{
	// The count is read through a volatile so the loop keeps one malloc
	// call: gcc -O1 otherwise peels the two iterations into two call sites,
	// i.e. two stacks (and #pragma GCC unroll 1 does not stop that).
	for (int i = 0; i < leak_segments; i++) {
		void *p = malloc(LEAK_SEGMENT_SIZE);
		touch(p, LEAK_SEGMENT_SIZE);
		keep(&leaked, p);
	}
}

NOINLINE void leaky_operator_close(void)
{
	// The bug: the segments from leaky_operator_open are never released.
	checksum++;
}

// register_metrics is the second, smaller leak: gauges registered on every
// open and never unregistered.
NOINLINE void register_metrics(void)
{
	for (int i = 0; i < METRIC_GAUGES; i++) {
		void *p = malloc(METRIC_GAUGE_SIZE);
		touch(p, METRIC_GAUGE_SIZE);
		keep(&leaked, p);
	}
}

// warmup_cache_fill is the plateau decoy: it grows faster than the leak for
// the first two lifecycles, then the cache is full and stays flat.
NOINLINE void warmup_cache_fill(void)
{
	size_t added = 0;
	while (added < CACHE_STEP && cache_bytes < CACHE_CAPACITY) {
		void *p = malloc(CACHE_ENTRY_SIZE);
		touch(p, CACHE_ENTRY_SIZE);
		keep(&cache, p);
		added += CACHE_ENTRY_SIZE;
		cache_bytes += CACHE_ENTRY_SIZE;
	}
}

// fluctuating_pool_fill is the noise decoy: the pool is rebuilt each
// lifecycle with a random total size between 1 and 6 MiB and random block
// sizes between 16 KiB and 256 KiB, so it has no trend.
NOINLINE void fluctuating_pool_fill(void)
{
	free_list(&pool);
	size_t target = 1 * MiB + next_random() % (5 * MiB);
	size_t total = 0;
	while (total < target) {
		size_t n = 16 * KiB + next_random() % (240 * KiB);
		void *p = malloc(n);
		touch(p, n);
		keep(&pool, p);
		total += n;
	}
}

// transient_buffer_alloc allocates processing buffers that task_close frees.
NOINLINE void transient_buffer_alloc(void)
{
	for (int i = 0; i < TRANSIENT_BUFFERS; i++) {
		void *p = malloc(TRANSIENT_BUFFER_SIZE);
		touch(p, TRANSIENT_BUFFER_SIZE);
		keep(&transient, p);
	}
}

NOINLINE void state_backend_init(void) { warmup_cache_fill(); }

NOINLINE void operator_open(void)
{
	leaky_operator_open();
	register_metrics();
}

NOINLINE void task_open(void)
{
	state_backend_init();
	operator_open();
}

NOINLINE void buffer_pool_resize(void) { fluctuating_pool_fill(); }

NOINLINE void process_records(void) { transient_buffer_alloc(); }

NOINLINE void task_process(void)
{
	buffer_pool_resize();
	process_records();
}

NOINLINE void task_close(void)
{
	free_list(&transient);
	leaky_operator_close();
}

NOINLINE void run_lifecycle(void)
{
	task_open();
	task_process();
	task_close();
}

// task_thread_main runs one lifecycle on its own thread (-threads), the way a
// Flink TaskManager runs each task attempt on a fresh task thread.
static void *task_thread_main(void *arg)
{
	(void)arg;
	run_lifecycle();
	return NULL;
}

static void run_lifecycle_on_thread(void)
{
	pthread_t t;
	int err = pthread_create(&t, NULL, task_thread_main, NULL);
	if (err == 0)
		err = pthread_join(t, NULL);
	if (err != 0) {
		fprintf(stderr, "lifecycle: task thread: error %d\n", err);
		exit(1);
	}
}

#if defined(USE_TCMALLOC)
// write_heap_sample is in heap_sample.cc: MallocExtension::GetHeapSample is
// C++ only.
int write_heap_sample(const char *path);

static int sampling;

// profiler_start starts gperftools' heap profiler with out as the file
// prefix, or, with -sample, nothing: tcmalloc's own sampler (on when
// TCMALLOC_SAMPLE_PARAMETER is set) keeps the samples that GetHeapSample
// prints.
static void profiler_start(const char *out)
{
	// HEAP_PROFILE_ALLOCATION_INTERVAL=0 and HEAP_PROFILE_INUSE_INTERVAL=0 in
	// the environment turn off the automatic dumps; gen.sh sets them.
	if (!sampling)
		HeapProfilerStart(out);
}

static void snapshot(int lifecycle, const char *out)
{
	if (sampling) {
		char path[4096];
		snprintf(path, sizeof path, out, lifecycle);
		if (write_heap_sample(path) != 0) {
			fprintf(stderr, "lifecycle: write heap sample %s failed\n", path);
			exit(1);
		}
		return;
	}
	char reason[32];
	snprintf(reason, sizeof reason, "lc%d", lifecycle);
	HeapProfilerDump(reason);
}

static void profiler_stop(void)
{
	if (!sampling)
		HeapProfilerStop();
}
#elif defined(USE_HEAPTRACK)
// heaptrack records the whole run: there is nothing to start or dump.
static void profiler_start(const char *out) { (void)out; }
static void snapshot(int lifecycle, const char *out)
{
	(void)lifecycle;
	(void)out;
}
static void profiler_stop(void) {}
#else
static void profiler_start(const char *out) { (void)out; }

// snapshot dumps with an explicit path when -o is given (out is a printf
// pattern taking the lifecycle number), else with jemalloc's own naming
// <prof_prefix>.<pid>.<seq>.m<mseq>.heap.
static void snapshot(int lifecycle, const char *out)
{
	int err;
	if (out == NULL) {
		err = mallctl("prof.dump", NULL, NULL, NULL, 0);
	} else {
		char path[4096];
		snprintf(path, sizeof path, out, lifecycle);
		const char *p = path;
		err = mallctl("prof.dump", NULL, NULL, (void *)&p, sizeof p);
	}
	if (err != 0) {
		fprintf(stderr, "lifecycle: mallctl prof.dump: error %d (is MALLOC_CONF=prof:true set?)\n", err);
		exit(1);
	}
}

static void profiler_stop(void) {}
#endif

// sleep_until sleeps until ms milliseconds after start (CLOCK_MONOTONIC).
static void sleep_until(const struct timespec *start, long ms)
{
	struct timespec t = *start;
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static void usage(void)
{
	fprintf(stderr, "usage: lifecycle [-n lifecycles] [-restart] [-threads] [-period ms] [-sample] [-o out]\n"
	                "  -n N      run N lifecycles (default 8)\n"
	                "  -restart  snapshot only once, after the last lifecycle, then exit\n"
	                "  -threads  run each lifecycle on a new thread\n"
	                "  -period MS  start lifecycle k at (k-1)*MS + MS/2 after start-up and exit\n"
	                "            at n*MS, so cuts every MS fall between lifecycles (heaptrack)\n"
	                "  -sample   tcmalloc: write MallocExtension::GetHeapSample (needs\n"
	                "            TCMALLOC_SAMPLE_PARAMETER) instead of heap profiler dumps\n"
	                "  -o OUT    tcmalloc: profile prefix, or with -sample a path pattern with %%d;\n"
	                "            jemalloc: dump path pattern with %%d (default: jemalloc's names)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int n = 8, restart = 0, threads = 0;
	long period = 0;
	const char *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = atoi(argv[++i]);
		else if (strcmp(argv[i], "-restart") == 0)
			restart = 1;
		else if (strcmp(argv[i], "-threads") == 0)
			threads = 1;
		else if (strcmp(argv[i], "-period") == 0 && i + 1 < argc)
			period = atol(argv[++i]);
#if defined(USE_TCMALLOC)
		else if (strcmp(argv[i], "-sample") == 0)
			sampling = 1;
#endif
		else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			out = argv[++i];
		else
			usage();
	}
	if (n < 1 || period < 0)
		usage();
#if defined(USE_TCMALLOC)
	if (out == NULL)
		usage();
#endif
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	profiler_start(out);
	load_config();
	for (int lc = 1; lc <= n; lc++) {
		if (period > 0)
			sleep_until(&start, (lc - 1) * period + period / 2);
		if (threads)
			run_lifecycle_on_thread();
		else
			run_lifecycle();
		if (!restart || lc == n)
			snapshot(lc, out);
	}
	if (period > 0)
		sleep_until(&start, n * period);
	profiler_stop();
	return 0;
}

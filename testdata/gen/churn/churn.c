// churn is a C service under jemalloc's default heap sampling with one small
// leak hidden in realistic churn. It exists to measure where dumpdiff's
// detection limit lies on sampled data (see testdata/README.md, "churn").
//
// After each lifecycle (a task restart inside one process) it writes a
// heap_v2 dump with mallctl("prof.dump"). Run with MALLOC_CONF=prof:true
// (default lg_prof_sample:19: one sample per 512 KiB allocated on average).
//
// Behaviours (every one has its own non-inlined allocating function):
//   session_registry_add   leak: -leak BYTES per lifecycle in random 64..4096 B
//                          objects, never freed (usable bytes printed on stdout)
//   churn_alloc_NN         56 churning sites: each keeps a random working set
//                          (its own mean, 16 KiB..4 MiB, drawn again every
//                          lifecycle, 0.5..1.5 x the mean) of objects of its own
//                          size range; the previous lifecycle's set is freed
//   lru_cache_put          an LRU cache of 2000 entries of 256..8192 B: fills in
//                          lifecycle 1, then evicts; its level fluctuates
//   worker_context_alloc   a thread pool that grows by 2 threads in lifecycles
//                          1..4 (4 x 64 KiB context each), then stays
//   record_buffer_alloc    transient: 24 MiB of 512 B..16 KiB buffers per
//                          lifecycle, freed at once (drives the sampler)
//   load_config            steady: 512 KiB at start-up
//
// Build: gcc -O1 -g -fno-omit-frame-pointer -fPIE -pie -Wl,--build-id churn.c
// -ljemalloc -lpthread.
#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOINLINE __attribute__((noinline))
#define KiB ((size_t)1024)
#define MiB (1024 * KiB)
#define NSITES 56
#define LRU_ENTRIES 2000

struct node {
	struct node *next;
};

// xorshift64*: a seeded generator, so the planted behaviour is the same on
// every run (jemalloc's sampler is not).
static uint64_t rng_state = 88172645463325292ULL;
static uint64_t rnd(void) {
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static size_t between(size_t lo, size_t hi) { return lo + rnd() % (hi - lo + 1); }

// A compiler barrier keeps each allocating function a real frame.
#define KEEP(p) __asm__ volatile("" : : "r"(p) : "memory")

#define CHURN(i)                                         \
	static NOINLINE void *churn_alloc_##i(size_t n) {    \
		void *p = malloc(n);                             \
		KEEP(p);                                         \
		return p;                                        \
	}
#define CHURN8(a) CHURN(a##0) CHURN(a##1) CHURN(a##2) CHURN(a##3) CHURN(a##4) CHURN(a##5) CHURN(a##6) CHURN(a##7)
CHURN8(1) CHURN8(2) CHURN8(3) CHURN8(4) CHURN8(5) CHURN8(6) CHURN8(7)
#define REF(i) churn_alloc_##i
#define REF8(a) REF(a##0), REF(a##1), REF(a##2), REF(a##3), REF(a##4), REF(a##5), REF(a##6), REF(a##7)
static void *(*const churn_alloc[NSITES])(size_t) = {REF8(1), REF8(2), REF8(3), REF8(4), REF8(5), REF8(6), REF8(7)};

struct site {
	double mean;          // mean working set, bytes
	size_t lo, hi;        // object sizes
	struct node *held;
};
static struct site sites[NSITES];

static struct node *leaked;
static size_t leaked_usable;

static NOINLINE void *session_registry_add(size_t n) {
	void *p = malloc(n);
	KEEP(p);
	return p;
}

static NOINLINE void leak_sessions(size_t bytes) {
	size_t got = 0;
	while (got < bytes) {
		size_t n = between(64, 4096);
		struct node *p = session_registry_add(n);
		p->next = leaked;
		leaked = p;
		got += n;
		leaked_usable += malloc_usable_size(p);
	}
}

static NOINLINE void refill_site(int i) {
	struct site *s = &sites[i];
	while (s->held) {
		struct node *nx = s->held->next;
		free(s->held);
		s->held = nx;
	}
	double want = s->mean * (0.5 + unif());
	for (double got = 0; got < want;) {
		size_t n = between(s->lo, s->hi);
		struct node *p = churn_alloc[i](n);
		p->next = s->held;
		s->held = p;
		got += n;
	}
}

// LRU: a ring of entries; putting a new one evicts the oldest.
static void *lru[LRU_ENTRIES];
static size_t lru_head;

static NOINLINE void *lru_cache_put(size_t n) {
	void *p = malloc(n);
	KEEP(p);
	return p;
}

static NOINLINE void serve_cache(void) {
	size_t puts = between(1200, 2400);
	for (size_t k = 0; k < puts; k++) {
		free(lru[lru_head]);
		lru[lru_head] = lru_cache_put(between(256, 8192));
		lru_head = (lru_head + 1) % LRU_ENTRIES;
	}
}

static NOINLINE void *record_buffer_alloc(size_t n) {
	void *p = malloc(n);
	KEEP(p);
	memset(p, 1, n < 64 ? n : 64);
	return p;
}

static NOINLINE void process_records(void) {
	struct node *batch = NULL;
	size_t total = 0, inbatch = 0;
	while (total < 24 * MiB) {
		size_t n = between(512, 16 * KiB);
		struct node *p = record_buffer_alloc(n);
		p->next = batch;
		batch = p;
		total += n;
		if (++inbatch == 64) { // a batch is processed, then freed
			while (batch) {
				struct node *nx = batch->next;
				free(batch);
				batch = nx;
			}
			inbatch = 0;
		}
	}
	while (batch) {
		struct node *nx = batch->next;
		free(batch);
		batch = nx;
	}
}

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv = PTHREAD_COND_INITIALIZER;
static int pool_started;

static NOINLINE void *worker_context_alloc(size_t n) {
	void *p = malloc(n);
	KEEP(p);
	return p;
}

static void *worker(void *arg) {
	(void)arg;
	struct node *ctx = NULL;
	for (int k = 0; k < 4; k++) {
		struct node *p = worker_context_alloc(64 * KiB);
		p->next = ctx;
		ctx = p;
	}
	pthread_mutex_lock(&pool_mu);
	pool_started++;
	pthread_cond_broadcast(&pool_cv);
	for (;;) // parked for the life of the process, holding its context
		pthread_cond_wait(&pool_cv, &pool_mu);
	return ctx;
}

static NOINLINE void grow_pool(int lc) {
	if (lc > 4)
		return;
	for (int k = 0; k < 2; k++) {
		pthread_t t;
		if (pthread_create(&t, NULL, worker, NULL) != 0) {
			perror("churn: pthread_create");
			exit(1);
		}
		pthread_detach(t);
	}
	pthread_mutex_lock(&pool_mu);
	while (pool_started < 2 * lc)
		pthread_cond_wait(&pool_cv, &pool_mu);
	pthread_mutex_unlock(&pool_mu);
}

static void *config;
static NOINLINE void load_config(void) {
	config = malloc(512 * KiB);
	KEEP(config);
}

static NOINLINE void run_lifecycle(int lc, size_t leak) {
	grow_pool(lc);
	for (int i = 0; i < NSITES; i++)
		refill_site(i);
	process_records();
	serve_cache();
	if (leak > 0)
		leak_sessions(leak);
}

static void dump(const char *dir, int lc) {
	char path[4096];
	snprintf(path, sizeof path, "%s/lc%d.heap", dir, lc);
	const char *p = path;
	int err = mallctl("prof.dump", NULL, NULL, (void *)&p, sizeof p);
	if (err != 0) {
		fprintf(stderr, "churn: mallctl prof.dump: error %d (is MALLOC_CONF=prof:true set?)\n", err);
		exit(1);
	}
}

int main(int argc, char **argv) {
	int n = 8, first = 1;
	size_t leak = 0;
	uint64_t seed = 1;
	const char *out = ".";
	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "-n"))
			n = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-leak"))
			leak = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-seed"))
			seed = strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-first"))
			first = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "-o"))
			out = argv[i + 1];
		else {
			fprintf(stderr, "usage: churn [-n N] [-leak BYTES] [-seed S] [-first LC] [-o DIR]\n");
			return 2;
		}
	}
	rng_state ^= seed * 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < NSITES; i++) {
		// Working sets log-uniform in 16 KiB..4 MiB; object sizes log-uniform
		// in 32 B..64 KiB, the upper bound 2..16 x the lower.
		sites[i].mean = 16.0 * KiB * __builtin_exp2(8 * unif());
		sites[i].lo = (size_t)(32 * __builtin_exp2(11 * unif()));
		sites[i].hi = sites[i].lo * between(2, 16);
	}
	load_config();
	for (int lc = first; lc < first + n; lc++) {
		size_t before = leaked_usable;
		run_lifecycle(lc - first + 1, leak);
		dump(out, lc);
		printf("lc%d leaked_usable %zu\n", lc, leaked_usable - before);
	}
	return 0;
}

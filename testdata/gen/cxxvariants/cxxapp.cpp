// cxxapp is a small multi-threaded C++ worker for dumpdiff's format variants
// (testdata/README.md, "Variants"): per lifecycle it runs four short-lived
// threads that each keep a Pool<int> of 8 × 4 KiB arrays (never freed), one
// thread that grows a shared Pool<double> by 16 × 8 KiB, fills a std::map
// cache with 64 new 8 KiB vectors, appends 500 strings through an inlined
// helper, and keeps 1 MiB from plugin_alloc in libcxxplugin.so (dlopen'ed).
// The threads are named (worker-0 … worker-3, pool-grower).
// Everything it allocates is kept, so every site grows each lifecycle.
//
// Usage: cxxapp N PATTERN     N lifecycles; after each, dump to
//                             printf(PATTERN, lifecycle) ("-": no dumps, for
//                             jemalloc's own automatic dumps)
//        cxxapp N PATTERN -last   dump only after the last lifecycle
// Built with -DUSE_JEMALLOC (mallctl("prof.dump")) or -DUSE_TCMALLOC
// (MallocExtension::GetHeapSample, tcmalloc's sampled heap profile).
#include <dlfcn.h>
#include <pthread.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <thread>
#include <vector>
#ifdef USE_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif
#ifdef USE_TCMALLOC
#include <gperftools/malloc_extension.h>
#endif

namespace app {
template <typename T> struct Pool {
	std::vector<T *> items;
	__attribute__((noinline)) void grow(size_t n) {
		for (size_t i = 0; i < n; i++) items.push_back(new T[1024]);
	}
};
std::map<std::string, std::vector<char>> cache;
__attribute__((noinline)) void fill_cache(int lc) {
	for (int i = 0; i < 64; i++) cache["k" + std::to_string(lc) + "_" + std::to_string(i)].resize(8192);
}
static inline void keep_string(std::vector<std::string> &v, int i) { v.push_back(std::string(100 + i, 'x')); }
__attribute__((noinline)) void add_strings(std::vector<std::string> &v) {
	for (int i = 0; i < 500; i++) keep_string(v, i);
}
} // namespace app

static void dump(const char *pattern, int lc) {
	if (strcmp(pattern, "-") == 0) return;
	char path[4096];
	snprintf(path, sizeof path, pattern, lc);
#ifdef USE_JEMALLOC
	const char *p = path;
	if (mallctl("prof.dump", NULL, NULL, &p, sizeof p) != 0) {
		fprintf(stderr, "cxxapp: prof.dump failed (MALLOC_CONF=prof:true?)\n");
		exit(1);
	}
#endif
#ifdef USE_TCMALLOC
	std::string s;
	MallocExtension::instance()->GetHeapSample(&s);
	FILE *f = fopen(path, "w");
	if (!f || fwrite(s.data(), 1, s.size(), f) != s.size() || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
#endif
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: cxxapp N PATTERN [-last]\n");
		return 2;
	}
	int n = atoi(argv[1]);
	bool last = argc > 3 && strcmp(argv[3], "-last") == 0;
	// The plugin sits beside the binary.
	std::string dir(argv[0]);
	dir = dir.substr(0, dir.rfind('/') + 1);
	void *h = dlopen((dir + "libcxxplugin.so").c_str(), RTLD_NOW);
	if (!h) {
		fprintf(stderr, "cxxapp: %s\n", dlerror());
		return 1;
	}
	typedef void *(*alloc_fn)(size_t);
	alloc_fn plugin_alloc = (alloc_fn)dlsym(h, "plugin_alloc");
	static app::Pool<double> pool;
	static std::vector<std::string> strs;
	static std::vector<void *> kept;
	static std::vector<app::Pool<int> *> thread_pools(0);
	for (int lc = 1; lc <= n; lc++) {
		std::vector<std::thread> ts;
		std::vector<app::Pool<int> *> local(4);
		for (int t = 0; t < 4; t++)
			ts.emplace_back([&local, t] {
				// Named before allocating: jemalloc's prof_sys_thread_name
				// reads the name when the thread first allocates.
				char name[16];
				snprintf(name, sizeof name, "worker-%d", t);
				pthread_setname_np(pthread_self(), name);
				local[t] = new app::Pool<int>;
				local[t]->grow(8);
			});
		for (auto &t : ts) t.join();
		thread_pools.insert(thread_pools.end(), local.begin(), local.end());
		std::thread([] {
			pthread_setname_np(pthread_self(), "pool-grower");
			pool.grow(16);
		}).join();
		app::fill_cache(lc);
		app::add_strings(strs);
		kept.push_back(plugin_alloc(1 << 20));
		if (!last || lc == n) dump(argv[2], lc);
	}
	return 0;
}

// plugin.cpp is a shared library that cxxapp loads with dlopen: its
// allocations sit in a mapping other than the main binary's.
#include <cstdlib>
#include <cstring>

extern "C" void *plugin_alloc(size_t n) {
	void *p = malloc(n);
	memset(p, 1, n);
	return p;
}

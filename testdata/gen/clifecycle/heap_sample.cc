// heap_sample.cc gives lifecycle.c (C) access to tcmalloc's sampled heap
// profile, which gperftools offers only through the C++ MallocExtension API.
#include <gperftools/malloc_extension.h>

#include <cstdio>
#include <string>

// write_heap_sample writes MallocExtension::GetHeapSample (the text a C++
// server's /pprof/heap handler returns: "heap profile: ... @ heap_v2/N",
// stacks, MAPPED_LIBRARIES) to path. It returns 0 on success.
extern "C" int write_heap_sample(const char *path)
{
	std::string s;
	MallocExtension::instance()->GetHeapSample(&s);
	FILE *f = std::fopen(path, "w");
	if (f == nullptr)
		return -1;
	bool ok = std::fwrite(s.data(), 1, s.size(), f) == s.size();
	return std::fclose(f) == 0 && ok ? 0 : -1;
}

package parsers

import "strings"

// Java frames as async-profiler names them, the same from a .jfr
// recording, its collapsed stacks and its pprof conversion: the class as
// the JVM spells it ("java/nio/ByteBuffer"), a dot, the method
// ("allocateDirect"). One Java method must be one frame whichever tier ran
// it, so the tier marks of the text output and the hidden-class addresses
// of lambdas (which differ between JVM runs) are removed, and line numbers
// (known only while a method is interpreted) are not kept.

// tierSuffix reports the length of the frame-type mark that async-profiler
// appends to a frame in text output: "_[j]" JIT-compiled, "_[i]" inlined,
// "_[0]" interpreted, "_[1]" C1-compiled, "_[k]" kernel; 0 when none.
func tierSuffix(name string) int {
	n := len(name)
	if n > 4 && name[n-4] == '_' && name[n-3] == '[' && name[n-1] == ']' && strings.IndexByte("ji01k", name[n-2]) >= 0 {
		return 4
	}
	return 0
}

// asprofFrameName returns the name of a frame of async-profiler's text or
// pprof output without its tier mark and hidden-class address.
func asprofFrameName(name string) string {
	name = name[:len(name)-tierSuffix(name)]
	return stripHiddenClass(name)
}

// javaMethodName joins the class and method of a Java frame of a .jfr
// recording as async-profiler's converters print it.
func javaMethodName(class, method string) string {
	return stripHiddenClass(class) + "." + method
}

// stripHiddenClass removes the address the JVM appends to the name of a
// hidden class (lambdas, lambda forms), which changes from one JVM run to
// the next: "Op$$Lambda$14/0x0000000800c03000.run" and
// "java/lang/invoke/LambdaForm$MH.0x00007f0199007400.invoke" lose their
// "/0x…" or ".0x…". Nothing else has a dot or slash, then 0x and hex
// digits, then a dot or the end: a Java identifier cannot start with a
// digit.
func stripHiddenClass(name string) string {
	for i := 1; i+3 < len(name); i++ {
		if name[i+1] != '0' || name[i+2] != 'x' || name[i] != '/' && name[i] != '.' {
			continue
		}
		j := i + 3
		for j < len(name) && isHexDigit(name[j]) {
			j++
		}
		if j > i+3 && (j == len(name) || name[j] == '.') {
			return name[:i] + name[j:]
		}
	}
	return name
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

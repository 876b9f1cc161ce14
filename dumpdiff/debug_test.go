package dumpdiff

import (
	"fmt"
	"os"
	"testing"
)

func TestDebugPrint(t *testing.T) {
	dir := os.Getenv("DD_DIR")
	if dir == "" {
		t.Skip()
	}
	paths, err := ExpandPaths([]string{dir})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Load(paths, LoadOptions{NoTrim: os.Getenv("DD_NOTRIM") != ""})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Trend(Options{Metric: os.Getenv("DD_METRIC"), GroupBy: GroupBy(os.Getenv("DD_GROUP"))})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("total growth %.0f values %v\n", res.Total.Growth, res.Total.Values)
	for i, st := range res.Sites {
		if i > 25 {
			break
		}
		fmt.Printf("%2d %-9s %12.0f r2=%.2f p=%.4f mono=%.2f %v %s\n", st.Rank, st.Verdict, st.Growth, st.R2, st.MKP, st.Monotonic, st.Values, st.Key)
	}
}

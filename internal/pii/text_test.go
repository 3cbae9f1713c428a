package pii

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalizeIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"610631199001011234", "610631199001011234"},
		{"  61063119900101123x\n", "61063119900101123X"},
		{"61063119900101123X", "61063119900101123X"},
		{"６１０６３１１９９００１０１１２３ｘ", "61063119900101123X"},
		{"\u3000610631199001011234\u3000", "610631199001011234"},
		{"", ""},
		{"   ", ""},
	}
	for _, tt := range tests {
		if got := NormalizeIDNumber(tt.in); got != tt.want {
			t.Errorf("NormalizeIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "13812345678"},
		{" 138 1234 5678 ", "13812345678"},
		{"138-1234-5678", "13812345678"},
		{"+8613812345678", "13812345678"},
		{"+86 138 1234 5678", "13812345678"},
		{"0086-138-1234-5678", "13812345678"},
		{"＋８６ １３８１２３４５６７８", "13812345678"},
		{"0911-1234567", "09111234567"},
		{"+86 911 1234567", "+869111234567"},
		{"+8612345", "+8612345"},
		{"+1 415 555 0100", "+14155550100"},
		{"", ""},
		{" - ", ""},
	}
	for _, tt := range tests {
		if got := NormalizePhone(tt.in); got != tt.want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskIDNumber(t *testing.T) {
	tests := []struct{ in, want string }{
		{"610631199001011234", "610631********1234"},
		{"61063119900101123x", "610631********123X"},
		{" 610631199001011234 ", "610631********1234"},
		{"610631900101123", "610********1123"}, // 15-digit first-generation ID
		{"6106311990010112345", "610************2345"},
		{"1234", "**34"},
		{"1", "*"},
		{"", ""},
		{"   ", ""},
		{"610631********1234", "*******************"},
		{"陕西省宝鸡市", "***宝鸡市"},
	}
	for _, tt := range tests {
		if got := MaskIDNumber(tt.in); got != tt.want {
			t.Errorf("MaskIDNumber(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"13812345678", "138****5678"},
		{"+86 138-1234-5678", "138****5678"},
		{"0086 13812345678", "138****5678"},
		{"0911-1234567", "0******4567"},
		{"091112345678", "09******5678"},
		{"+86 911 1234567", "+8*******4567"},
		{"12345678", "****5678"},
		{"1234567", "****567"},
		{"1234", "**34"},
		{"123", "**3"},
		{"12", "*2"},
		{"7", "*"},
		{"", ""},
		{"138****5678", "1******5678"},
		{"****5678", "*********"},
		{"*", "**"},
	}
	for _, tt := range tests {
		if got := MaskPhone(tt.in); got != tt.want {
			t.Errorf("MaskPhone(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// checkMask verifies the properties every mask result must have.
func checkMask(t *testing.T, name, in, out string) {
	t.Helper()
	if in != "" && out == in {
		t.Errorf("%s(%q) returned its input unchanged", name, in)
	}
	if !utf8.ValidString(out) {
		t.Errorf("%s(%q) = %q is not valid UTF-8", name, in, out)
	}
	n := utf8.RuneCountInString(out)
	if stars := strings.Count(out, "*"); out != "" && stars < 4 && stars*2 < n {
		t.Errorf("%s(%q) = %q hides too little", name, in, out)
	}
}

func TestMaskProperties(t *testing.T) {
	inputs := []string{
		"", " ", "\t\n", "x", "X", "-", "+", "+86", "0086", "*", "**", "***",
		"\xff", "\xff\xfe\xfd", "a\x00b", "😀", "😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀",
		"610631199001011234", "13812345678", "0911-1234567",
		strings.Repeat("9", 100), strings.Repeat("*", 18),
	}
	long := "+86 610631199001011234-13812345678"
	for i := range len(long) + 1 {
		inputs = append(inputs, long[:i], long[i:])
	}
	for _, in := range inputs {
		checkMask(t, "MaskIDNumber", in, MaskIDNumber(in))
		checkMask(t, "MaskPhone", in, MaskPhone(in))
	}
}

func FuzzMask(f *testing.F) {
	for _, s := range []string{"", "610631199001011234", "13812345678", "0911-1234567", "*", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkMask(t, "MaskIDNumber", in, MaskIDNumber(in))
		checkMask(t, "MaskPhone", in, MaskPhone(in))
	})
}

package fault

import "testing"

func TestCodeOf(t *testing.T) {
	cases := map[string]string{
		"is required":                                                CodeRequired,
		"is required for a family farm":                              CodeRequired,
		"must be 1 to 100 characters":                                CodeLength,
		"must be 10 to 256 characters long":                          CodeLength,
		"must be one of household, family_farm":                      CodeEnum,
		"is not a crop code; see /reference/crops":                   CodeEnum,
		"must be between 0 and price_per_mu":                         CodeRange,
		"must not be negative":                                       CodeRange,
		"must be a year between 2000 and 2100":                       CodeRange,
		"must be a date such as 2020-03-01":                          CodeFormat,
		"must be an id: a whole number greater than 0":               CodeFormat,
		"must have at most 2 decimal places":                         CodeFormat,
		"check character does not match":                             CodeChecksum,
		"must not be in the future":                                  CodeFuture,
		"must not be before start_date":                              CodeDateOrder,
		"no such farm in the collective":                             CodeNotFound,
		"cannot be changed; register the farm anew":                  CodeImmutable,
		"is only for harvesting":                                     CodeNotAllowed,
		"lists an operation type twice":                              CodeDuplicate,
		"unknown field":                                              CodeUnknownField,
		"must not contain a NUL character":                           CodeText,
		"exceeds the contracted area of the parcel times the passes": CodeCapExceeded,
		"must be a string":                                           CodeType,
		"something nobody has written yet":                           CodeInvalid,
		"must be 3–64 characters of a-z, 0-9, '.', '_' or '-', starting with a letter or digit": CodeFormat,
	}
	for msg, want := range cases {
		if got := CodeOf(msg); got != want {
			t.Errorf("CodeOf(%q) = %q, want %q", msg, got, want)
		}
	}
}

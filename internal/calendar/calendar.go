// Package calendar counts dates as the counties do: in China Standard Time, whatever the server's zone.
package calendar

import "time"

// china is China Standard Time, UTC+8 all year.
var china = time.FixedZone("CST", 8*60*60)

// Today is the date in China at the instant now, as midnight UTC of that date: the form dates are stored,
// decoded and compared in. Between 16:00 and 24:00 UTC it is already the next day's date.
func Today(now time.Time) time.Time {
	y, m, d := now.In(china).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

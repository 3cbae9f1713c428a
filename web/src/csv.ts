/**
 * saveCSV hands the browser a CSV file of rows the screen already shows, for a table the server has no export
 * of: UTF-8 with a byte-order mark and CRLF line ends, as the server's exports, so Excel opens Chinese correctly.
 */
export function saveCSV(name: string, header: string[], rows: string[][]) {
  const cell = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  const text = '\ufeff' + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
  saveFile(name, new Blob([text], { type: 'text/csv;charset=utf-8' }))
}

/** saveFile hands the browser a file the app holds (an export received, a CSV made here) as a download. */
export function saveFile(name: string, blob: Blob) {
  const a = document.createElement('a')
  a.href = URL.createObjectURL(blob)
  a.download = name
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000)
}

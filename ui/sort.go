package ui

import "slices"

// The sort of the set table: which column, and which way (htop's < and
// >, I inverts; s steps too). The sorting itself is in setTable.rebuild.

// sortKey is the column the table is sorted by (htop's < and >, s cycles).
type sortKey int

const (
	sortVerdict sortKey = iota // orphans first, then stale, unknown, live
	sortID
	sortKey_
	sortOwner
	sortNSems
	sortOp      // last semop (otime), oldest first
	sortChanged // last change (ctime), oldest first
	numSorts
)

var sortNames = [numSorts]string{"verdict", "semid", "key", "owner", "nsems", "last op", "changed"}
var sortCols = [numSorts]int{colVerdict, colID, colKey, colOwner, colNSems, colOp, colChanged}

// sortRing is the sort keys in the order of their columns, left to right:
// < and > (and s) step through it.
var sortRing = []sortKey{sortID, sortKey_, sortOwner, sortNSems, sortOp, sortChanged, sortVerdict}

// stepSort is the sort key d columns from k (wrapping around).
func stepSort(k sortKey, d int) sortKey {
	i := slices.Index(sortRing, k)
	n := len(sortRing)
	return sortRing[((i+d)%n+n)%n]
}

// sortArrow is ▼ for the usual order of the sort key, ▲ inverted.
func (t *setTable) sortArrow() string {
	if t.reverse {
		return "▲"
	}
	return "▼"
}

// sortOrder says which way the table is sorted, in words.
func sortOrder(t *setTable) string {
	words := map[sortKey][2]string{
		sortVerdict: {"orphans first", "live first"}, sortID: {"lowest first", "highest first"}, sortKey_: {"lowest first", "highest first"},
		sortOwner: {"a to z", "z to a"}, sortNSems: {"fewest first", "most first"}, sortOp: {"oldest first", "newest first"}, sortChanged: {"oldest first", "newest first"},
	}[t.sortBy]
	if t.reverse {
		return words[1]
	}
	return words[0]
}

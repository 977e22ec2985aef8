package engine

// LCSMatch is one range of an LCS IDX reply: a[AStart..AEnd] equals b[BStart..BEnd].
type LCSMatch struct {
	AStart, AEnd, BStart, BEnd int64
	Len                        int64
}

// LCSTableBytes is the transient memory Redis allocates to compute the LCS of strings of these
// lengths (a table of uint32), which LCS needs too unless only the length is asked for.
func LCSTableBytes(alen, blen int) uint64 {
	return uint64(alen+1) * uint64(blen+1) * 4
}

// LCSLen returns the length of the longest common subsequence of a and b in O(len(b)) memory.
func LCSLen(a, b []byte) int64 {
	prev := make([]uint32, len(b)+1)
	cur := make([]uint32, len(b)+1)
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			switch {
			case a[i-1] == b[j-1]:
				cur[j] = prev[j-1] + 1
			case prev[j] > cur[j-1]:
				cur[j] = prev[j]
			default:
				cur[j] = cur[j-1]
			}
		}
		prev, cur = cur, prev
	}
	return int64(prev[len(b)])
}

// LCS computes the longest common subsequence of a and b as Redis's LCS command does, with its
// dynamic programming table and its walk back through it, so that ties resolve the same way: the
// subsequence itself, and the ranges of matching bytes from the end of the strings towards their
// start, keeping those at least minMatchLen long (0 keeps all). The table takes
// LCSTableBytes(len(a), len(b)) bytes.
func LCS(a, b []byte, minMatchLen int64) (lcs []byte, matches []LCSMatch) {
	alen, blen := len(a), len(b)
	w := blen + 1
	t := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			switch {
			case a[i-1] == b[j-1]:
				t[i*w+j] = t[(i-1)*w+j-1] + 1
			case t[(i-1)*w+j] > t[i*w+j-1]:
				t[i*w+j] = t[(i-1)*w+j]
			default:
				t[i*w+j] = t[i*w+j-1]
			}
		}
	}
	idx := t[alen*w+blen]
	lcs = make([]byte, idx)
	// arStart == alen means no range is open.
	arStart, arEnd, brStart, brEnd := alen, 0, 0, 0
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			lcs[idx-1] = a[i-1]
			if arStart == alen {
				arStart, arEnd = i-1, i-1
				brStart, brEnd = j-1, j-1
			} else if arStart == i && brStart == j {
				arStart--
				brStart--
			} else {
				emit = true
			}
			if arStart == 0 || brStart == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if t[(i-1)*w+j] > t[i*w+j-1] {
				i--
			} else {
				j--
			}
			if arStart != alen {
				emit = true
			}
		}
		if emit {
			n := int64(arEnd - arStart + 1)
			if minMatchLen == 0 || n >= minMatchLen {
				matches = append(matches, LCSMatch{int64(arStart), int64(arEnd), int64(brStart), int64(brEnd), n})
			}
			arStart = alen
		}
	}
	return lcs, matches
}

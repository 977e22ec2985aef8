package engine

import "errors"

// Errors returned by the engine. The RESP layer maps them to Redis's error texts.
var (
	ErrNotFound      = errors.New("engine: key not found")
	ErrWrongType     = errors.New("engine: operation against a key holding the wrong kind of value")
	ErrNotInteger    = errors.New("engine: value is not an integer or out of range")
	ErrOverflow      = errors.New("engine: increment or decrement would overflow")
	ErrBadDB         = errors.New("engine: database index out of range")
	ErrReadOnlyTx    = errors.New("engine: write in a read-only transaction")
	ErrInvalidExpire = errors.New("engine: invalid expire time")
	ErrValueTooLarge = errors.New("engine: value too large for an in-memory engine (1 MB at most)")
	ErrKeyTooLarge   = errors.New("engine: key or collection member too large (64989 bytes at most)")
	ErrStringTooLong = errors.New("engine: string exceeds maximum allowed size")
	ErrNotFloat      = errors.New("engine: value is not a valid float")
	ErrNaNOrInf      = errors.New("engine: increment would produce NaN or Infinity")

	// Hashes.
	ErrHashNotInteger = errors.New("engine: hash value is not an integer")
	ErrHashNotFloat   = errors.New("engine: hash value is not a float")
)

//! Glob-style pattern matching with the exact semantics of Redis 7.0's
//! `stringmatchlen`, as used by `KEYS`, `SCAN … MATCH`, `PSUBSCRIBE`,
//! `CONFIG GET` and friends.
//!
//! The syntax is:
//!
//! * `*` matches any run of bytes, `?` exactly one byte;
//! * `[abc]` one byte of the set, `[^abc]` one byte outside it, `[a-z]` a
//!   range (a reversed range such as `[z-a]` means the same as `[a-z]`);
//! * `\x` matches `x` literally, outside and inside brackets.
//!
//! Redis's quirks are reproduced on purpose, because clients observe them:
//!
//! * bytes are compared as C's signed `char`, so a range bound above `0x7f`
//!   is negative (`[a-\xff]` covers `\xff..=a`, not `a..=\xff`);
//! * with `nocase`, a range is swapped into order *before* both bounds are
//!   lowered to ASCII lower case, and an escaped byte inside brackets is
//!   compared case-sensitively;
//! * an unclosed `[` still matches one byte of the set collected so far
//!   (`[abc` matches `a`), a lone `[` matches nothing, `[^` matches any
//!   byte, and `[]` is an empty set;
//! * a trailing `\` matches a literal backslash;
//! * a pattern never matches the empty subject unless it is itself empty:
//!   `matches(b"*", b"", _)` is `false`, exactly like `stringmatchlen`.
//!   Redis's `KEYS` and `SCAN` special-case the pattern `*` (and only that
//!   exact pattern) to return every key, including the empty one, so
//!   callers implementing them must do the same.
//!
//! Pathological patterns stay cheap thanks to the two guards Redis 7.0
//! has: once the rest of a pattern failed to match from every position
//! after a `*`, no earlier `*` retries a longer match; and a pattern that
//! would recurse through more than 1000 `*` fails outright.

/// Deepest `*` recursion allowed before the match fails, as in Redis.
const MAX_NESTING: u32 = 1000;

/// Tests whether `subject` matches the glob `pattern` exactly as Redis
/// 7.0's `stringmatchlen` does; `nocase` folds ASCII letters.
///
/// See the [module documentation](self) for the syntax and quirks.
pub fn matches(pattern: &[u8], subject: &[u8], nocase: bool) -> bool {
    let mut skip_longer = false;
    match_from(pattern, subject, nocase, &mut skip_longer, 0)
}

/// A byte as C sees a plain `char` on x86-64: signed.
fn signed(b: u8) -> i32 {
    i32::from(b as i8)
}

/// C's `tolower` in the "C" locale, on a signed `char` value.
fn lower(c: i32) -> i32 {
    if (i32::from(b'A')..=i32::from(b'Z')).contains(&c) {
        c + 32
    } else {
        c
    }
}

/// Compares one pattern byte with one subject byte.
fn same(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// The matcher proper. `skip_longer` is shared by the whole match: once
/// set, every pending `*` gives up instead of trying longer runs.
fn match_from(p: &[u8], s: &[u8], nocase: bool, skip_longer: &mut bool, nesting: u32) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    let (mut pi, mut si) = (0usize, 0usize);
    while pi < p.len() && si < s.len() {
        match p[pi] {
            b'*' => {
                while p.len() - pi > 1 && p[pi + 1] == b'*' {
                    pi += 1;
                }
                if p.len() - pi == 1 {
                    return true;
                }
                while si < s.len() {
                    if match_from(&p[pi + 1..], &s[si..], nocase, skip_longer, nesting + 1) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    si += 1;
                }
                // The rest of the pattern matches from no position at all:
                // a longer run for an earlier `*` cannot help either.
                *skip_longer = true;
                return false;
            }
            b'?' => si += 1,
            b'[' => {
                pi += 1;
                let negate = p.get(pi) == Some(&b'^');
                if negate {
                    pi += 1;
                }
                let c = s[si];
                let mut hit = false;
                loop {
                    if pi == p.len() {
                        // Unclosed set: step back so the common advance
                        // below lands exactly on the end of the pattern.
                        pi -= 1;
                        break;
                    }
                    if p[pi] == b'\\' && p.len() - pi >= 2 {
                        pi += 1;
                        hit |= p[pi] == c;
                    } else if p[pi] == b']' {
                        break;
                    } else if p.len() - pi >= 3 && p[pi + 1] == b'-' {
                        let (mut lo, mut hi) = (signed(p[pi]), signed(p[pi + 2]));
                        if lo > hi {
                            std::mem::swap(&mut lo, &mut hi);
                        }
                        let mut ch = signed(c);
                        if nocase {
                            (lo, hi, ch) = (lower(lo), lower(hi), lower(ch));
                        }
                        pi += 2;
                        hit |= lo <= ch && ch <= hi;
                    } else {
                        hit |= same(p[pi], c, nocase);
                    }
                    pi += 1;
                }
                if hit == negate {
                    return false;
                }
                si += 1;
            }
            first => {
                let lit = if first == b'\\' && p.len() - pi >= 2 {
                    pi += 1;
                    p[pi]
                } else {
                    first
                };
                if !same(lit, s[si], nocase) {
                    return false;
                }
                si += 1;
            }
        }
        pi += 1;
        if si == s.len() {
            while pi < p.len() && p[pi] == b'*' {
                pi += 1;
            }
            break;
        }
    }
    pi == p.len() && si == s.len()
}

#[cfg(test)]
mod tests {
    use super::matches;
    use std::time::{Duration, Instant};

    /// Keys stored on a real Redis 7.0.15, then listed with `KEYS <pattern>`.
    const SUBJECTS: &[&str] = &[
        "hello", "hallo", "hxllo", "hllo", "heello", "*", "a", "b", "c", "d", "z", "A", "ab", "aa",
        "abc", "a\\", "\\", "]", "-", "[", "^", "?", "x", "ax", "a]", "[a", "h[llo", "aaa", "",
        "a-", "-a", "_",
    ];

    /// `(pattern, keys returned by KEYS)` as answered by Redis 7.0.15 for the
    /// keys in `SUBJECTS`. `*` alone is left out: KEYS special-cases it.
    const KEYS_ANSWERS: &[(&str, &[&str])] = &[
        (
            "?",
            &[
                "*", "-", "?", "A", "[", "\\", "]", "^", "_", "a", "b", "c", "d", "x", "z",
            ],
        ),
        ("h?llo", &["h[llo", "hallo", "hello", "hxllo"]),
        (
            "h*llo",
            &["h[llo", "hallo", "heello", "hello", "hllo", "hxllo"],
        ),
        ("h[ae]llo", &["hallo", "hello"]),
        ("h[^e]llo", &["h[llo", "hallo", "hxllo"]),
        ("h[a-b]llo", &["hallo"]),
        ("h[b-a]llo", &["hallo"]),
        ("h[z-a]llo", &["hallo", "hello", "hxllo"]),
        ("\\*", &["*"]),
        ("a\\", &["a\\"]),
        ("[", &[]),
        (
            "[^",
            &[
                "*", "-", "?", "A", "[", "\\", "]", "^", "_", "a", "b", "c", "d", "x", "z",
            ],
        ),
        ("[abc", &["a", "b", "c"]),
        ("[a-", &["-", "a"]),
        ("[a-]", &["]", "^", "_", "a"]),
        ("[]]", &[]),
        ("[]a]", &[]),
        ("[!a]", &["a"]),
        ("[\\]]", &["]"]),
        ("[\\-]", &["-"]),
        ("[a\\-z]", &["-", "a", "z"]),
        ("*\\", &["\\", "a\\"]),
        ("**a", &["-a", "[a", "a", "aa", "aaa"]),
        (
            "a**",
            &["a", "a-", "a\\", "a]", "aa", "aaa", "ab", "abc", "ax"],
        ),
        (
            "[^a-c]",
            &["*", "-", "?", "A", "[", "\\", "]", "^", "_", "d", "x", "z"],
        ),
        ("h\\[llo", &["h[llo"]),
        ("\\?", &["?"]),
        ("a[", &[]),
        ("[[]", &["["]),
        ("[-a]", &["-", "a"]),
        ("[a-c-e]", &["-", "a", "b", "c"]),
        (
            "[^]",
            &[
                "*", "-", "?", "A", "[", "\\", "]", "^", "_", "a", "b", "c", "d", "x", "z",
            ],
        ),
        ("[^]]", &["a]"]),
        ("\\", &["\\"]),
        ("", &[""]),
        ("[-]", &["-"]),
        ("h[a-]llo", &[]),
        ("a*b", &["ab"]),
        (
            "*a*",
            &[
                "-a", "[a", "a", "a-", "a\\", "a]", "aa", "aaa", "ab", "abc", "ax", "hallo",
            ],
        ),
        (
            "[a-c]*",
            &[
                "a", "a-", "a\\", "a]", "aa", "aaa", "ab", "abc", "ax", "b", "c",
            ],
        ),
        ("\\a", &["a"]),
        ("[\\", &["\\"]),
        ("[a", &["a"]),
        ("a[b", &["ab"]),
        ("*[", &[]),
        ("a*\\", &["a\\"]),
        ("[z-a]", &["a", "b", "c", "d", "x", "z"]),
        ("[^z-a]", &["*", "-", "?", "A", "[", "\\", "]", "^", "_"]),
        ("[A-Z]", &["A"]),
        ("[Z-a]", &["[", "\\", "]", "^", "_", "a"]),
        ("??", &["-a", "[a", "a-", "a\\", "a]", "aa", "ab", "ax"]),
        ("???", &["aaa", "abc"]),
    ];

    #[test]
    fn agrees_with_redis_keys() {
        for (pattern, expected) in KEYS_ANSWERS {
            let mut got: Vec<&str> = SUBJECTS
                .iter()
                .copied()
                .filter(|s| matches(pattern.as_bytes(), s.as_bytes(), false))
                .collect();
            got.sort_unstable();
            let mut want = expected.to_vec();
            want.sort_unstable();
            assert_eq!(got, want, "pattern {pattern:?}");
        }
    }

    #[test]
    fn star_patterns_match_every_non_empty_subject() {
        // Redis 7.0.15: KEYS '**', '*?', '?*' and '*?*' list every key but "".
        for pattern in ["**", "*?", "?*", "*?*", "*"] {
            for s in SUBJECTS {
                assert_eq!(
                    matches(pattern.as_bytes(), s.as_bytes(), false),
                    !s.is_empty()
                );
            }
        }
    }

    #[test]
    fn bytes_compare_as_signed_chars() {
        // Redis 7.0.15 on x86-64, keys \x80 \xff a \x7f b.
        let keys: &[&[u8]] = &[b"\x80", b"\xff", b"a", b"\x7f", b"b"];
        let cases: &[(&[u8], &[&[u8]])] = &[
            (b"[a-\xff]", &[b"\xff", b"a"]),
            (b"[\x80-\xff]", &[b"\x80", b"\xff"]),
            (b"[\xff-\x80]", &[b"\x80", b"\xff"]),
            (b"[\x00-\x7f]", &[b"a", b"\x7f", b"b"]),
            (b"[^a]", &[b"\x80", b"\xff", b"\x7f", b"b"]),
            (b"\xff", &[b"\xff"]),
            (b"[b-\x80]", &[b"\x80", b"\xff", b"a", b"b"]),
        ];
        for (pattern, expected) in cases {
            let got: Vec<&[u8]> = keys
                .iter()
                .copied()
                .filter(|k| matches(pattern, k, false))
                .collect();
            assert_eq!(&got, expected, "pattern {pattern:?}");
        }
    }

    #[test]
    fn nocase() {
        // Verified with CONFIG GET on Redis 7.0.15 (which matches with nocase).
        assert!(matches(b"MAXMEMORY-P[N-P]LICY", b"maxmemory-policy", true));
        assert!(matches(b"maxmemory-p[n-p]licy", b"maxmemory-policy", true));
        assert!(matches(b"MAXMEM*", b"maxmemory-clients", true));
        assert!(matches(b"server[_]cpulist", b"server_cpulist", true));
        // [Z-a] is lowered to z..a after ordering: it matches nothing.
        assert!(!matches(b"server[Z-a]cpulist", b"server_cpulist", true));
        assert!(matches(b"server[Z-a]cpulist", b"server_cpulist", false));
        assert!(matches(b"H?LLO", b"hello", true));
        assert!(matches(b"h[E]llo", b"hello", true));
        assert!(!matches(b"H?LLO", b"hello", false));
        // Escaped bytes inside brackets compare case-sensitively.
        assert!(!matches(b"maxmemory-p[\\O]licy", b"maxmemory-policy", true));
        assert!(matches(b"maxmemory-p[\\o]licy", b"maxmemory-policy", true));
        assert!(matches(b"maxmemory-p\\Olicy*", b"maxmemory-policy", true));
        assert!(!matches(b"h[\\E]llo", b"hello", true));
        assert!(matches(b"h\\Ello", b"hello", true));
    }

    #[test]
    fn nesting_limit() {
        // KEYS on a 1500-byte key of 'a's, Redis 7.0.15: "*a" repeated 1000
        // times matches, 1001 times does not; "a*" (whose last star ends the
        // pattern and needs no recursion) is cut off one repetition later.
        let subject = vec![b'a'; 1500];
        for (unit, n, expected) in [
            ("*a", 999, true),
            ("*a", 1000, true),
            ("*a", 1001, false),
            ("*a", 1002, false),
            ("a*", 1000, true),
            ("a*", 1001, true),
            ("a*", 1002, false),
        ] {
            let pattern = unit.repeat(n);
            assert_eq!(
                matches(pattern.as_bytes(), &subject, false),
                expected,
                "{unit} x{n}"
            );
        }
    }

    #[test]
    fn pathological_patterns_are_fast() {
        let start = Instant::now();
        assert!(!matches(b"a*a*a*a*a*a*a*a*a*a*a*a*a*b", &[b'a'; 60], false));
        assert!(!matches(&b"*a".repeat(500), &[b'a'; 400], false));
        assert!(!matches(
            b"*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*c",
            &[b'a'; 5000],
            true
        ));
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn odd_corners() {
        assert!(matches(b"", b"", false));
        assert!(!matches(b"", b"a", false));
        assert!(!matches(b"a", b"", false));
        assert!(!matches(b"[", b"", false));
        assert!(matches(b"a*", b"a", false));
        assert!(matches(b"a***", b"a", false));
        assert!(!matches(b"a*?", b"a", false));
        assert!(matches(b"*b*", b"abc", false));
        assert!(matches(b"\\\\", b"\\", false));
        assert!(matches(b"[\\\\]", b"\\", false));
        assert!(matches(b"user:*:name", b"user:42:name", false));
        assert!(!matches(b"user:*:name", b"user:42:nam", false));
    }
}

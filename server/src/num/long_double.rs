//! [`LongDouble`]: the x87 80-bit extended value INCRBYFLOAT and
//! HINCRBYFLOAT compute in, with its exact parsing (from the literal the
//! parent module lexes) and Redis's `%.17Lf` printing.

use super::*;

/// A value of the x87 80-bit extended type that Redis's `long double`
/// arithmetic uses: a 64-bit significand, an unbounded exponent for our
/// purposes (the real range, ±1.19e4932, is checked where Redis checks it),
/// rounding to nearest, ties to even.
#[derive(Clone, Debug, PartialEq)]
pub enum LongDouble {
    /// ± infinity.
    Infinite {
        /// Whether it is −∞.
        negative: bool,
    },
    /// `±mantissa × 2^exp`, mantissa < 2^64 (zero has mantissa 0).
    Finite {
        /// The sign (also of zero).
        negative: bool,
        /// The significand.
        mantissa: u64,
        /// The binary exponent.
        exp: i64,
    },
}

/// Largest binary exponent of a finite x87 extended value (its value is
/// below 2^16384).
const LD_MAX_EXP: i64 = 16384;

impl LongDouble {
    /// Zero.
    pub fn zero() -> Self {
        LongDouble::Finite {
            negative: false,
            mantissa: 0,
            exp: 0,
        }
    }

    /// Parses with the rules of Redis's `string2ld` (strtold): whole
    /// string, no leading blank, no NaN, no overflow or underflow to zero;
    /// `inf` is accepted.
    pub fn parse(s: &[u8]) -> Option<Self> {
        // MAX_LONG_DOUBLE_CHARS is 5 KiB.
        if s.len() >= 5 * 1024 {
            return None;
        }
        match lex_float(s)? {
            Literal::Infinite { negative } => Some(LongDouble::Infinite { negative }),
            Literal::Finite {
                negative,
                digits,
                exp10,
                nonzero,
            } => {
                if !nonzero {
                    return Some(LongDouble::Finite {
                        negative,
                        mantissa: 0,
                        exp: 0,
                    });
                }
                // Far outside the extended range either way; strtold
                // reports ERANGE and Redis refuses the value.
                if exp10 > 6000 || exp10 < -6000 - digits.bits() as i64 {
                    return None;
                }
                let value = if exp10 >= 0 {
                    round_ratio(negative, digits * pow10(exp10 as u64), BigUint::one(), 0)
                } else {
                    round_ratio(negative, digits, pow10(exp10.unsigned_abs()), 0)
                };
                in_parse_range(value)
            }
            Literal::Binary {
                negative,
                digits,
                exp2,
                nonzero,
            } => {
                if !nonzero {
                    return Some(LongDouble::Finite {
                        negative,
                        mantissa: 0,
                        exp: 0,
                    });
                }
                if exp2 > 20_000 || exp2 < -20_000 - digits.bits() as i64 {
                    return None;
                }
                in_parse_range(round_ratio(negative, digits, BigUint::one(), exp2))
            }
        }
    }

    /// Whether the value is ±∞ (Redis refuses such results).
    pub fn is_infinite(&self) -> bool {
        matches!(self, LongDouble::Infinite { .. })
    }

    /// The sum, rounded once, as the FPU would.
    pub fn add(&self, other: &Self) -> Self {
        match (self, other) {
            (LongDouble::Infinite { negative: a }, LongDouble::Infinite { negative: b }) => {
                if a == b {
                    self.clone()
                } else {
                    // inf - inf is NaN; callers treat it as "not finite".
                    LongDouble::Infinite { negative: false }
                }
            }
            (LongDouble::Infinite { .. }, _) => self.clone(),
            (_, LongDouble::Infinite { .. }) => other.clone(),
            (
                LongDouble::Finite {
                    negative: na,
                    mantissa: ma,
                    exp: ea,
                },
                LongDouble::Finite {
                    negative: nb,
                    mantissa: mb,
                    exp: eb,
                },
            ) => {
                if *ma == 0 && *mb == 0 {
                    return LongDouble::Finite {
                        negative: *na && *nb,
                        mantissa: 0,
                        exp: 0,
                    };
                }
                if *ma == 0 {
                    return other.clone();
                }
                if *mb == 0 {
                    return self.clone();
                }
                let e = (*ea).min(*eb);
                let a = signed(*na, BigUint::from(*ma) << (ea - e) as usize);
                let b = signed(*nb, BigUint::from(*mb) << (eb - e) as usize);
                let sum = a + b;
                if sum.is_zero() {
                    return LongDouble::zero();
                }
                let negative = sum.is_negative();
                round_ratio(negative, sum.abs().magnitude().clone(), BigUint::one(), e)
            }
        }
    }

    /// Formats as Redis's `ld2string(…, LD_STR_HUMAN)`: `%.17Lf` with the
    /// trailing zeros (and a trailing point) removed, `-0` printed as `0`.
    /// `None` where Redis's 5 KiB buffer would overflow.
    pub fn to_human_string(&self) -> Option<String> {
        let (negative, mantissa, exp) = match self {
            LongDouble::Infinite { negative } => {
                return Some(if *negative {
                    "-inf".into()
                } else {
                    "inf".into()
                });
            }
            LongDouble::Finite {
                negative,
                mantissa,
                exp,
            } => (*negative, *mantissa, *exp),
        };
        // round(value × 10^17), ties to even, computed exactly.
        let scaled = BigUint::from(mantissa) * pow10(17);
        let fixed = if exp >= 0 {
            scaled << exp as usize
        } else {
            let den = BigUint::one() << exp.unsigned_abs() as usize;
            let (q, r) = (&scaled / &den, &scaled % &den);
            let twice = r << 1usize;
            if twice > den || (twice == den && (&q & BigUint::one()) == BigUint::one()) {
                q + 1u32
            } else {
                q
            }
        };
        let mut digits = fixed.to_string();
        if digits.len() < 18 {
            digits = format!("{}{digits}", "0".repeat(18 - digits.len()));
        }
        let point = digits.len() - 17;
        let mut text = String::with_capacity(digits.len() + 2);
        if negative {
            text.push('-');
        }
        text.push_str(&digits[..point]);
        text.push('.');
        text.push_str(&digits[point..]);
        if text.len() + 1 > 5 * 1024 {
            return None;
        }
        let trimmed = trim_fraction(&text);
        Some(if trimmed == "-0" {
            "0".into()
        } else {
            trimmed.to_string()
        })
    }

    /// The nearest double (used where Redis casts a long double down).
    pub fn to_f64(&self) -> f64 {
        match self {
            LongDouble::Infinite { negative } => {
                if *negative {
                    f64::NEG_INFINITY
                } else {
                    f64::INFINITY
                }
            }
            LongDouble::Finite {
                negative,
                mantissa,
                exp,
            } => {
                let v = (*mantissa as f64) * 2f64.powi((*exp).clamp(-2000, 2000) as i32);
                if *negative { -v } else { v }
            }
        }
    }
}

/// Smallest binary exponent of a nonzero x87 extended value: the least
/// subnormal is 2^-16445, and anything below half of it rounds to zero.
const LD_MIN_EXP: i64 = -16446;

/// What `strtold` makes of a parsed value: `None` (ERANGE, which Redis
/// refuses) on overflow to infinity or underflow to zero.
fn in_parse_range(value: LongDouble) -> Option<LongDouble> {
    match value {
        LongDouble::Infinite { .. } => None,
        LongDouble::Finite { mantissa: 0, .. } => None,
        LongDouble::Finite { mantissa, exp, .. }
            if exp + i64::from(64 - mantissa.leading_zeros()) - 1 < LD_MIN_EXP =>
        {
            None
        }
        v => Some(v),
    }
}

fn signed(negative: bool, magnitude: BigUint) -> BigInt {
    BigInt::from_biguint(if negative { Sign::Minus } else { Sign::Plus }, magnitude)
}

fn pow10(n: u64) -> BigUint {
    BigUint::from(10u32).pow(n as u32)
}

/// Rounds `num / den × 2^exp` to a 64-bit significand, ties to even.
fn round_ratio(negative: bool, num: BigUint, den: BigUint, exp: i64) -> LongDouble {
    if num.is_zero() {
        return LongDouble::Finite {
            negative,
            mantissa: 0,
            exp: 0,
        };
    }
    // Scale so that the quotient has at least 66 bits: 64 kept, one to
    // round on, and the remainder as the sticky bit.
    let shift = 66 + den.bits() as i64 - num.bits() as i64;
    let shift = shift.max(0);
    let scaled = num << shift as usize;
    let (mut q, r) = (&scaled / &den, &scaled % &den);
    let mut e = exp - shift;
    let mut sticky = !r.is_zero();
    let excess = q.bits() as i64 - 64;
    if excess > 0 {
        let mask = (BigUint::one() << excess as usize) - 1u32;
        let dropped = &q & &mask;
        let half = BigUint::one() << (excess - 1) as usize;
        q >>= excess as usize;
        e += excess;
        let round_up = dropped > half
            || (dropped == half && (sticky || (&q & BigUint::one()) == BigUint::one()));
        sticky = false;
        if round_up {
            q += 1u32;
            if q.bits() > 64 {
                q >>= 1usize;
                e += 1;
            }
        }
    }
    let _ = sticky;
    let mantissa = q.to_u64().unwrap_or(u64::MAX);
    if e + 64 > LD_MAX_EXP {
        return LongDouble::Infinite { negative };
    }
    LongDouble::Finite {
        negative,
        mantissa,
        exp: e,
    }
}

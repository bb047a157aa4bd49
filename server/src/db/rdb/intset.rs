//! Intsets, the encoding of small sets of integers: an encoding width
//! (2, 4 or 8 bytes, u32 little-endian), a count (u32 little-endian) and
//! the members in ascending order, each little-endian in that width.
//! Redis widens an intset when a member needs it and never narrows it,
//! so the width is the set's history, not just its members'.

/// The width Redis's `_intsetValueEncoding` picks for `v`.
pub fn width_of(v: i64) -> u8 {
    if i16::try_from(v).is_ok() {
        2
    } else if i32::try_from(v).is_ok() {
        4
    } else {
        8
    }
}

/// The intset blob holding `members` (ascending, unique) at `width`.
pub fn encode(members: &[i64], width: u8) -> Vec<u8> {
    let w = usize::from(width);
    let mut out = Vec::with_capacity(8 + members.len() * w);
    out.extend_from_slice(&u32::from(width).to_le_bytes());
    out.extend_from_slice(&(members.len() as u32).to_le_bytes());
    for v in members {
        out.extend_from_slice(&v.to_le_bytes()[..w]);
    }
    out
}

/// The members and width of the intset `blob`, checked as
/// `intsetValidateIntegrity` checks with `deep` set (a known width, the
/// size matching the count, not empty, strictly ascending).
pub fn decode(blob: &[u8]) -> Option<(Vec<i64>, u8)> {
    if blob.len() < 8 {
        return None;
    }
    let width = u32::from_le_bytes(blob[..4].try_into().ok()?);
    let count = u64::from(u32::from_le_bytes(blob[4..8].try_into().ok()?));
    let w: usize = match width {
        2 | 4 | 8 => width as usize,
        _ => return None,
    };
    if 8 + count * w as u64 != blob.len() as u64 || count == 0 {
        return None;
    }
    let members: Vec<i64> = blob[8..]
        .chunks_exact(w)
        .map(|c| match w {
            2 => i64::from(i16::from_le_bytes([c[0], c[1]])),
            4 => i64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])),
            _ => i64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]),
        })
        .collect();
    if members.windows(2).any(|p| p[1] <= p[0]) {
        return None;
    }
    Some((members, width as u8))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_checks() {
        let members = [-70000, -1, 0, 5, 1 << 20];
        let blob = encode(&members, 4);
        assert_eq!(blob.len(), 8 + 5 * 4);
        assert_eq!(decode(&blob), Some((members.to_vec(), 4)));
        assert_eq!(width_of(-32768), 2);
        assert_eq!(width_of(32768), 4);
        assert_eq!(width_of(i64::from(i32::MIN) - 1), 8);
        assert!(decode(&encode(&[2, 1], 2)).is_none());
        assert!(decode(&encode(&[], 2)).is_none());
        assert!(decode(&blob[..blob.len() - 1]).is_none());
        let mut bad = blob.clone();
        bad[0] = 3;
        assert!(decode(&bad).is_none());
    }
}

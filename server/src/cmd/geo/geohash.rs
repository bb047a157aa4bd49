//! Redis's geohash arithmetic (`geohash.c`, `geohash_helper.c`): the
//! 52-bit interleaved hash a position is stored as, its decoding, the
//! neighbouring cells, the search area of a radius or box, and the
//! haversine distance.
//!
//! Everything is computed in the same order of double operations as Redis
//! (and with the same C library's `sin`, `cos`, `asin` and `sqrt`), so
//! coordinates, distances and the cells searched agree with Redis to the
//! last bit; the limits are Redis's (latitudes within ±85.05112878, the
//! range of EPSG:900913).

/// Precision of a stored position: 26 bits of longitude and latitude.
pub(super) const STEP_MAX: u8 = 26;
/// The latitude limits.
pub(super) const LAT_MIN: f64 = -85.051_128_78;
pub(super) const LAT_MAX: f64 = 85.051_128_78;
/// The longitude limits.
pub(super) const LONG_MIN: f64 = -180.0;
pub(super) const LONG_MAX: f64 = 180.0;
/// Redis's earth radius (WGS-84's quadratic mean), in meters.
const EARTH_RADIUS: f64 = 6_372_797.560_856;
/// Half the equator in Mercator meters, for the step estimate.
const MERCATOR_MAX: f64 = 20_037_726.37;
/// π/180 as C folds `M_PI / 180.0`.
const D_R: f64 = std::f64::consts::PI / 180.0;

fn deg_rad(ang: f64) -> f64 {
    ang * D_R
}

fn rad_deg(ang: f64) -> f64 {
    ang / D_R
}

/// A range of a coordinate.
#[derive(Clone, Copy, Debug)]
pub(super) struct Range {
    pub min: f64,
    pub max: f64,
}

/// The ranges positions are hashed in: (longitude, latitude).
pub(super) const WGS84: (Range, Range) = (
    Range {
        min: LONG_MIN,
        max: LONG_MAX,
    },
    Range {
        min: LAT_MIN,
        max: LAT_MAX,
    },
);

/// A hash of `step` bits per coordinate, latitude bits in the even
/// positions, longitude bits in the odd ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Bits {
    pub bits: u64,
    pub step: u8,
}

impl Bits {
    /// The "no cell" value of a neighbour excluded from a search.
    const ZERO: Bits = Bits { bits: 0, step: 0 };

    fn is_zero(self) -> bool {
        self == Bits::ZERO
    }

    /// The hash shifted to 52 bits (a sorted-set score).
    pub fn align52(self) -> u64 {
        self.bits << (52 - u32::from(self.step) * 2)
    }
}

/// A cell: its longitude and latitude ranges.
#[derive(Clone, Copy, Debug)]
pub(super) struct Area {
    pub lon: Range,
    pub lat: Range,
}

/// Spreads the 32 bits of `x` to the even positions and those of `y` to
/// the odd ones.
fn interleave(x: u32, y: u32) -> u64 {
    fn spread(v: u32) -> u64 {
        let mut v = u64::from(v);
        v = (v | (v << 16)) & 0x0000_FFFF_0000_FFFF;
        v = (v | (v << 8)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v << 4)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v << 2)) & 0x3333_3333_3333_3333;
        (v | (v << 1)) & 0x5555_5555_5555_5555
    }
    spread(x) | (spread(y) << 1)
}

/// The inverse of [`interleave`]: the even bits in the low half, the odd
/// ones in the high half.
fn deinterleave(v: u64) -> u64 {
    fn gather(mut v: u64) -> u64 {
        v &= 0x5555_5555_5555_5555;
        v = (v | (v >> 1)) & 0x3333_3333_3333_3333;
        v = (v | (v >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
        v = (v | (v >> 4)) & 0x00FF_00FF_00FF_00FF;
        v = (v | (v >> 8)) & 0x0000_FFFF_0000_FFFF;
        (v | (v >> 16)) & 0x0000_0000_FFFF_FFFF
    }
    gather(v) | (gather(v >> 1) << 32)
}

/// Redis's `geohashEncode`: the cell of `step` bits holding the position
/// in the given ranges, `None` outside them (or outside the WGS84 limits,
/// which apply whatever the ranges).
pub(super) fn encode(ranges: (Range, Range), lon: f64, lat: f64, step: u8) -> Option<Bits> {
    let (lon_r, lat_r) = ranges;
    if step == 0 || step > 32 {
        return None;
    }
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return None;
    }
    if lat < lat_r.min || lat > lat_r.max || lon < lon_r.min || lon > lon_r.max {
        return None;
    }
    let scale = (1u64 << step) as f64;
    let lat_offset = (lat - lat_r.min) / (lat_r.max - lat_r.min) * scale;
    let lon_offset = (lon - lon_r.min) / (lon_r.max - lon_r.min) * scale;
    // C converts the offsets to uint32_t, truncating.
    Some(Bits {
        bits: interleave(lat_offset as u32, lon_offset as u32),
        step,
    })
}

/// Redis's `geohashDecode`: the cell a hash stands for.
pub(super) fn decode(ranges: (Range, Range), hash: Bits) -> Area {
    let (lon_r, lat_r) = ranges;
    let sep = deinterleave(hash.bits);
    let lat_scale = lat_r.max - lat_r.min;
    let lon_scale = lon_r.max - lon_r.min;
    let ilat = sep as u32;
    let ilon = (sep >> 32) as u32;
    let cells = (1u64 << hash.step) as f64;
    // `+ 1` in 32-bit unsigned arithmetic, as in C.
    let edge = |i: u32, min: f64, scale: f64| min + (f64::from(i) * 1.0 / cells) * scale;
    Area {
        lat: Range {
            min: edge(ilat, lat_r.min, lat_scale),
            max: edge(ilat.wrapping_add(1), lat_r.min, lat_scale),
        },
        lon: Range {
            min: edge(ilon, lon_r.min, lon_scale),
            max: edge(ilon.wrapping_add(1), lon_r.min, lon_scale),
        },
    }
}

/// The position a sorted-set score stands for (Redis's `decodeGeohash`):
/// the centre of its cell, clamped to the limits. Any score decodes, as in
/// Redis (a score that is not a geohash gives some position).
pub(super) fn decode_score(score: f64) -> (f64, f64) {
    let area = decode(
        WGS84,
        Bits {
            bits: crate::num::c_double_to_u64(score),
            step: STEP_MAX,
        },
    );
    let lon = ((area.lon.min + area.lon.max) / 2.0).clamp(LONG_MIN, LONG_MAX);
    let lat = ((area.lat.min + area.lat.max) / 2.0).clamp(LAT_MIN, LAT_MAX);
    (lon, lat)
}

/// The score GEOADD stores for a position within the limits.
pub(super) fn score_of(lon: f64, lat: f64) -> u64 {
    encode(WGS84, lon, lat, STEP_MAX).map_or(0, Bits::align52)
}

/// The standard 11-character geohash of a stored score (GEOHASH): the
/// position decoded and encoded again over latitudes ±90, the eleventh
/// character always `0`.
pub(super) fn standard_geohash(score: f64) -> [u8; 11] {
    const ALPHABET: &[u8; 32] = b"0123456789bcdefghjkmnpqrstuvwxyz";
    let (lon, lat) = decode_score(score);
    let ranges = (
        Range {
            min: -180.0,
            max: 180.0,
        },
        Range {
            min: -90.0,
            max: 90.0,
        },
    );
    // The decoded position is always within the limits, so this encodes.
    let bits = encode(ranges, lon, lat, STEP_MAX).map_or(0, |b| b.bits);
    let mut out = [b'0'; 11];
    for (i, c) in out.iter_mut().enumerate().take(10) {
        *c = ALPHABET[((bits >> (52 - (i + 1) * 5)) & 0x1f) as usize];
    }
    out
}

// --- neighbours ---

fn move_x(hash: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let mut x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let y = hash.bits & 0x5555_5555_5555_5555;
    let zz = 0x5555_5555_5555_5555u64 >> shift;
    if d > 0 {
        x = x.wrapping_add(zz + 1);
    } else {
        x |= zz;
        x = x.wrapping_sub(zz + 1);
    }
    x &= 0xaaaa_aaaa_aaaa_aaaa >> shift;
    hash.bits = x | y;
}

fn move_y(hash: &mut Bits, d: i8) {
    if d == 0 {
        return;
    }
    let shift = 64 - u32::from(hash.step) * 2;
    let x = hash.bits & 0xaaaa_aaaa_aaaa_aaaa;
    let mut y = hash.bits & 0x5555_5555_5555_5555;
    let zz = 0xaaaa_aaaa_aaaa_aaaau64 >> shift;
    if d > 0 {
        y = y.wrapping_add(zz + 1);
    } else {
        y |= zz;
        y = y.wrapping_sub(zz + 1);
    }
    y &= 0x5555_5555_5555_5555 >> shift;
    hash.bits = x | y;
}

fn neighbour(hash: Bits, dx: i8, dy: i8) -> Bits {
    let mut n = hash;
    move_x(&mut n, dx);
    move_y(&mut n, dy);
    n
}

// --- searching ---

/// What a search covers: a circle (radius) or a box (width, height), in
/// the request's unit, and the unit's size in meters.
#[derive(Clone, Copy, Debug)]
pub(super) enum Shape {
    Circle { radius: f64 },
    Box { width: f64, height: f64 },
}

/// A search: its centre, shape and unit.
#[derive(Clone, Copy, Debug)]
pub(super) struct Search {
    pub lon: f64,
    pub lat: f64,
    pub shape: Shape,
    /// Meters per unit.
    pub conversion: f64,
}

/// Redis's `geohashEstimateStepsByRadius`: cells about as large as the
/// radius, larger towards the poles.
fn estimate_steps(range_meters: f64, lat: f64) -> u8 {
    if range_meters == 0.0 {
        return 26;
    }
    let mut range = range_meters;
    let mut step: i32 = 1;
    while range < MERCATOR_MAX {
        range *= 2.0;
        step += 1;
    }
    step -= 2;
    if !(-66.0..=66.0).contains(&lat) {
        step -= 1;
        if !(-80.0..=80.0).contains(&lat) {
            step -= 1;
        }
    }
    step.clamp(1, 26) as u8
}

impl Search {
    /// Redis's `geohashBoundingBox`: (min lon, min lat, max lon, max lat)
    /// around the centre, wider on the side nearer the pole.
    fn bounding_box(&self) -> [f64; 4] {
        let (height, width) = match self.shape {
            Shape::Circle { radius } => (self.conversion * radius, self.conversion * radius),
            Shape::Box { width, height } => (
                self.conversion * (height / 2.0),
                self.conversion * (width / 2.0),
            ),
        };
        let lat_delta = rad_deg(height / EARTH_RADIUS);
        let lon_delta_top = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat + lat_delta).cos());
        let lon_delta_bottom = rad_deg(width / EARTH_RADIUS / deg_rad(self.lat - lat_delta).cos());
        let delta = if self.lat < 0.0 {
            lon_delta_bottom
        } else {
            lon_delta_top
        };
        [
            self.lon - delta,
            self.lat - lat_delta,
            self.lon + delta,
            self.lat + lat_delta,
        ]
    }

    /// Redis's `geohashCalculateAreasByShapeWGS84`: the cell of the
    /// centre and its eight neighbours, at a step whose cells cover the
    /// search, with the neighbours that cannot hold a result zeroed. In
    /// Redis's order: centre, N, S, E, W, NE, NW, SE, SW.
    pub fn cells(&self) -> [Bits; 9] {
        let [min_lon, min_lat, max_lon, max_lat] = self.bounding_box();
        let radius = match self.shape {
            Shape::Circle { radius } => radius,
            Shape::Box { width, height } => {
                ((width / 2.0) * (width / 2.0) + (height / 2.0) * (height / 2.0)).sqrt()
            }
        } * self.conversion;
        let mut steps = estimate_steps(radius, self.lat);
        let at = |steps: u8| {
            let hash = encode(WGS84, self.lon, self.lat, steps).unwrap_or(Bits {
                bits: 0,
                step: steps,
            });
            (hash, decode(WGS84, hash))
        };
        let (mut hash, mut area) = at(steps);
        let north = decode(WGS84, neighbour(hash, 0, 1));
        let south = decode(WGS84, neighbour(hash, 0, -1));
        let east = decode(WGS84, neighbour(hash, 1, 0));
        let west = decode(WGS84, neighbour(hash, -1, 0));
        let too_small = north.lat.max < max_lat
            || south.lat.min > min_lat
            || east.lon.max < max_lon
            || west.lon.min > min_lon;
        if steps > 1 && too_small {
            steps -= 1;
            (hash, area) = at(steps);
        }
        let mut cells = [
            hash,
            neighbour(hash, 0, 1),
            neighbour(hash, 0, -1),
            neighbour(hash, 1, 0),
            neighbour(hash, -1, 0),
            neighbour(hash, 1, 1),
            neighbour(hash, -1, 1),
            neighbour(hash, 1, -1),
            neighbour(hash, -1, -1),
        ];
        const N: usize = 1;
        const S: usize = 2;
        const E: usize = 3;
        const W: usize = 4;
        const NE: usize = 5;
        const NW: usize = 6;
        const SE: usize = 7;
        const SW: usize = 8;
        if steps >= 2 {
            let mut drop = |which: [usize; 3]| {
                for i in which {
                    cells[i] = Bits::ZERO;
                }
            };
            if area.lat.min < min_lat {
                drop([S, SW, SE]);
            }
            if area.lat.max > max_lat {
                drop([N, NE, NW]);
            }
            if area.lon.min < min_lon {
                drop([W, SW, NW]);
            }
            if area.lon.max > max_lon {
                drop([E, SE, NE]);
            }
        }
        cells
    }

    /// Whether a stored position is inside the search, and its distance
    /// from the centre in meters (Redis's `geoAppendIfWithinShape`).
    pub fn contains(&self, lon: f64, lat: f64) -> Option<f64> {
        match self.shape {
            Shape::Circle { radius } => {
                let d = distance(self.lon, self.lat, lon, lat);
                (d <= radius * self.conversion).then_some(d)
            }
            Shape::Box { width, height } => {
                let lon_d = distance(lon, lat, self.lon, lat);
                let lat_d = distance(lon, lat, lon, self.lat);
                if lon_d > width * self.conversion / 2.0 || lat_d > height * self.conversion / 2.0 {
                    return None;
                }
                Some(distance(self.lon, self.lat, lon, lat))
            }
        }
    }
}

/// The sorted-set scores of the positions in `cell`: from its first 52-bit
/// hash (inclusive) to the next cell's (exclusive).
pub(super) fn score_range(cell: Bits) -> (f64, f64) {
    let min = cell.align52();
    let max = Bits {
        bits: cell.bits.wrapping_add(1),
        step: cell.step,
    }
    .align52();
    (min as f64, max as f64)
}

/// Whether a cell is a real one (not a zeroed neighbour).
pub(super) fn is_cell(cell: Bits) -> bool {
    !cell.is_zero()
}

/// The haversine distance in meters between two positions (Redis's
/// `geohashGetDistance`, operation for operation).
pub(super) fn distance(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let lat1r = deg_rad(lat1);
    let lon1r = deg_rad(lon1);
    let lat2r = deg_rad(lat2);
    let lon2r = deg_rad(lon2);
    let u = ((lat2r - lat1r) / 2.0).sin();
    let v = ((lon2r - lon1r) / 2.0).sin();
    2.0 * EARTH_RADIUS * (u * u + lat1r.cos() * lat2r.cos() * v * v).sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interleaving_round_trips() {
        for (x, y) in [
            (0u32, 0u32),
            (1, 0),
            (0, 1),
            (0xffff_ffff, 0),
            (12345, 67890),
        ] {
            let sep = deinterleave(interleave(x, y));
            assert_eq!((sep as u32, (sep >> 32) as u32), (x, y));
        }
    }

    #[test]
    fn palermo_encodes_as_redis_documents() {
        // GEOADD Sicily 13.361389 38.115556 "Palermo" stores this score.
        assert_eq!(score_of(13.361389, 38.115556), 3_479_099_956_230_698);
        assert_eq!(&standard_geohash(3_479_099_956_230_698.0), b"sqc8b49rny0");
        let (lon, lat) = decode_score(3_479_099_956_230_698.0);
        assert!((lon - 13.361389).abs() < 1e-5 && (lat - 38.115556).abs() < 1e-5);
    }

    #[test]
    fn steps_shrink_with_the_radius_and_towards_the_poles() {
        assert_eq!(estimate_steps(0.0, 0.0), 26);
        assert!(estimate_steps(1000.0, 0.0) > estimate_steps(100_000.0, 0.0));
        assert_eq!(
            estimate_steps(1000.0, 70.0) + 1,
            estimate_steps(1000.0, 0.0)
        );
        assert_eq!(estimate_steps(f64::INFINITY, 0.0), 1);
    }
}

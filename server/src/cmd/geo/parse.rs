//! How the geo commands read their arguments (coordinates, units, radii,
//! boxes) and print their numbers (coordinates as `%.17Lf` without
//! trailing zeros, distances with four decimals), each as Redis does.

use bytes::Bytes;

use super::geohash::{LAT_MAX, LAT_MIN, LONG_MAX, LONG_MIN};
use crate::cmd::error::{self, CmdError};
use crate::cmd::{float_arg, is};
use crate::num::{LongDouble, parse_f64};
use crate::protocol::Out;

/// A longitude and a latitude from two arguments (Redis's
/// `extractLongLatOrReply`): both must be doubles, then within the
/// limits.
pub(super) fn lon_lat(args: &[Bytes]) -> Result<(f64, f64), CmdError> {
    let lon = float_arg(&args[0])?;
    let lat = float_arg(&args[1])?;
    if !(LONG_MIN..=LONG_MAX).contains(&lon) || !(LAT_MIN..=LAT_MAX).contains(&lat) {
        return Err(error::invalid_lon_lat(lon, lat));
    }
    Ok((lon, lat))
}

/// Meters per unit (`m`, `km`, `ft`, `mi`, any case).
pub(super) fn unit(arg: &[u8]) -> Result<f64, CmdError> {
    if is(arg, "m") {
        Ok(1.0)
    } else if is(arg, "km") {
        Ok(1000.0)
    } else if is(arg, "ft") {
        Ok(0.3048)
    } else if is(arg, "mi") {
        Ok(1609.34)
    } else {
        Err(error::UNSUPPORTED_UNIT)
    }
}

/// `radius unit` (Redis's `extractDistanceOrReply`): the radius and the
/// meters per unit.
pub(super) fn radius(args: &[Bytes]) -> Result<(f64, f64), CmdError> {
    let radius = parse_f64(&args[0]).ok_or(error::NEED_NUMERIC_RADIUS)?;
    if radius < 0.0 {
        return Err(error::RADIUS_NEGATIVE);
    }
    Ok((radius, unit(&args[1])?))
}

/// `width height unit` (Redis's `extractBoxOrReply`).
pub(super) fn box_size(args: &[Bytes]) -> Result<(f64, f64, f64), CmdError> {
    let width = parse_f64(&args[0]).ok_or(error::NEED_NUMERIC_WIDTH)?;
    let height = parse_f64(&args[1]).ok_or(error::NEED_NUMERIC_HEIGHT)?;
    if height < 0.0 || width < 0.0 {
        return Err(error::BOX_NEGATIVE);
    }
    Ok((width, height, unit(&args[2])?))
}

/// A coordinate as Redis prints it (`addReplyHumanLongDouble`): the
/// double's exact value to 17 decimals, trailing zeros dropped; a bulk
/// string in RESP2, a double in RESP3.
pub(super) fn reply_coordinate(out: &mut Out, value: f64) {
    out.double_text(&human(value));
}

/// `%.17Lf` of a finite double, trailing zeros (and point) dropped.
fn human(value: f64) -> String {
    let bits = value.to_bits();
    let negative = bits >> 63 == 1;
    let exp_field = ((bits >> 52) & 0x7ff) as i64;
    let fraction = bits & ((1 << 52) - 1);
    let (mantissa, exp) = if exp_field == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), exp_field - 1075)
    };
    LongDouble::Finite {
        negative,
        mantissa,
        exp,
    }
    .to_human_string()
    .unwrap_or_default()
}

/// A distance as Redis prints it (`addReplyDoubleDistance`: `%.4f`), a
/// bulk string in both protocols.
pub(super) fn reply_distance(out: &mut Out, meters: f64) {
    out.bulk(format!("{meters:.4}").as_bytes());
}

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn coordinates_print_as_percent_17_lf_trimmed() {
        assert_eq!(human(13.361_389_338_970_184), "13.36138933897018433");
        assert_eq!(human(-180.0), "-180");
        assert_eq!(human(0.5), "0.5");
        assert_eq!(human(-0.0), "0");
        assert_eq!(human(85.051_128_78), "85.0511287799999991");
    }
}

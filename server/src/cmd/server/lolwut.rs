//! LOLWUT: some computer art and the Redis version.
//!
//! Redis 7.0 has no art of its own and answers `Redis ver. 7.0.15`; with
//! `VERSION 5` it draws Georg Nees's *Schotter* in Braille dots, with
//! `VERSION 6` a skyline of 8-bit skyscrapers in ANSI greys. Both are drawn
//! here by the same algorithms, with the same single-precision arithmetic
//! and the same argument limits, so that everything not random (canvas
//! size, the unrotated top rows of squares, the text) matches Redis byte
//! for byte. Where Redis calls C's `rand()`, this draws from the server's
//! seeded generator: the pictures differ from Redis's, and repeat per seed.
//! Nothing here touches the keyspace.

use std::f64::consts::PI;

use super::super::error::CmdResult;
use super::super::{CmdError, Ctx, int_arg, is};
use crate::version::REDIS_VERSION;

/// The square root of 2 as `lwDrawSquare` writes it: ten decimals, so
/// that sizes round as Redis rounds them.
#[allow(
    clippy::approx_constant,
    reason = "Redis's literal, not the exact constant"
)]
const SQRT_2: f64 = 1.4142135623;

/// `RAND_MAX` of glibc.
const RAND_MAX: i32 = i32::MAX;

/// C's `rand()`: 0 to `RAND_MAX`, from the server's generator.
fn rand(rng: &mut fastrand::Rng) -> i32 {
    rng.i32(0..=RAND_MAX)
}

/// # Format
/// `LOLWUT [VERSION version [argument ...]]`
///
/// `VERSION 5 [columns [squares-per-row [squares-per-column]]]` and
/// `VERSION 6 [columns [rows]]` draw; any other version, or none, prints
/// the version alone. Redis reads the version as a C `long` printed as
/// `%u`, so only the numbers that wrap to 5 or 6 draw.
pub(super) fn lolwut(ctx: &mut Ctx<'_>) -> CmdResult {
    let mut version = None;
    if ctx.argc() >= 3 && is(ctx.arg(1), "version") {
        version = Some(int_arg(ctx.arg(2))? as u32);
    }
    // The arguments after `VERSION n`, which the drawings take.
    let given = ctx.argc().saturating_sub(3);
    let text = match version {
        Some(5) => schotter_command(ctx, given)?,
        Some(6) => skyline_command(ctx, given)?,
        _ => format!("Redis ver. {REDIS_VERSION}\n").into_bytes(),
    };
    ctx.out.verbatim("txt", &text);
    Ok(())
}

/// The optional numeric argument `i` after `VERSION n`, or `default`.
fn option(ctx: &Ctx<'_>, given: usize, i: usize, default: i64) -> Result<i64, CmdError> {
    if i < given {
        int_arg(ctx.arg(3 + i))
    } else {
        Ok(default)
    }
}

/// LOLWUT 5: `[columns [squares-per-row [squares-per-column]]]`, 66, 8
/// and 12 by default, clamped to 1..=1000, 1..=200 and 1..=200.
fn schotter_command(ctx: &mut Ctx<'_>, given: usize) -> Result<Vec<u8>, CmdError> {
    let cols = option(ctx, given, 0, 66)?.clamp(1, 1000) as i32;
    let per_row = option(ctx, given, 1, 8)?.clamp(1, 200) as i32;
    let per_col = option(ctx, given, 2, 12)?.clamp(1, 200) as i32;
    let canvas = schotter(&mut ctx.state.rng, cols, per_row, per_col);
    let mut text = canvas.render();
    text.extend_from_slice(b"\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ");
    text.extend_from_slice(REDIS_VERSION.as_bytes());
    text.push(b'\n');
    Ok(text)
}

/// LOLWUT 6: `[columns [rows]]`, 80 and 20 by default, each clamped to
/// 1..=1000.
fn skyline_command(ctx: &mut Ctx<'_>, given: usize) -> Result<Vec<u8>, CmdError> {
    let cols = option(ctx, given, 0, 80)?.clamp(1, 1000) as i32;
    let rows = option(ctx, given, 1, 20)?.clamp(1, 1000) as i32;
    let mut canvas = Canvas::new(cols, rows, 3);
    skyline(&mut ctx.state.rng, &mut canvas);
    let mut text = canvas.render();
    text.extend_from_slice(b"\nDedicated to the 8 bit game developers of past and present.\n");
    text.extend_from_slice(b"Original 8 bit image from Plaguemon by hikikomori. Redis ver. ");
    text.extend_from_slice(REDIS_VERSION.as_bytes());
    text.push(b'\n');
    Ok(text)
}

/// A canvas of dots for Schotter, kept as the Braille characters it
/// prints: one byte per 2×4 pixels, one bit per pixel. (Redis keeps a byte
/// per pixel; the largest Schotter it allows has 800 million of them.)
/// Dots outside the canvas are not drawn, as on Redis's `lwCanvas`.
struct Dots {
    width: i32,
    height: i32,
    /// Characters per row: half the width, rounded up.
    row_len: usize,
    cells: Vec<u8>,
}

impl Dots {
    fn new(width: i32, height: i32) -> Dots {
        let row_len = (width.max(0) as usize).div_ceil(2);
        let rows = (height.max(0) as usize).div_ceil(4);
        Dots {
            width,
            height,
            row_len,
            cells: vec![0; row_len * rows],
        }
    }

    fn set(&mut self, x: i32, y: i32) {
        if x < 0 || x >= self.width || y < 0 || y >= self.height {
            return;
        }
        // Braille's dot numbering: the left column is bits 0, 1, 2 and 6
        // from the top, the right column bits 3, 4, 5 and 7.
        const BITS: [[u8; 4]; 2] = [[0, 1, 2, 6], [3, 4, 5, 7]];
        let (x, y) = (x as usize, y as usize);
        let cell = (y / 4) * self.row_len + x / 2;
        self.cells[cell] |= 1 << BITS[x % 2][y % 4];
    }

    /// A line by Bresenham's algorithm, both ends included.
    fn line(&mut self, mut x1: i32, mut y1: i32, x2: i32, y2: i32) {
        let dx = (x2 - x1).abs();
        let dy = (y2 - y1).abs();
        let sx = if x1 < x2 { 1 } else { -1 };
        let sy = if y1 < y2 { 1 } else { -1 };
        let mut err = dx - dy;
        loop {
            self.set(x1, y1);
            if x1 == x2 && y1 == y2 {
                break;
            }
            let e2 = err * 2;
            if e2 > -dy {
                err -= dy;
                x1 += sx;
            }
            if e2 < dx {
                err += dx;
                y1 += sy;
            }
        }
    }

    /// A square of side `size` centred on (x, y), turned by `angle`
    /// radians, computed as `lwDrawSquare` computes it: its corners on a
    /// circle, in single precision where Redis keeps floats.
    fn square(&mut self, x: i32, y: i32, size: f32, angle: f32) {
        let size = (f64::from(size) / SQRT_2) as f32;
        let size = f64::from(size).round() as f32;
        let mut px = [0i32; 4];
        let mut py = [0i32; 4];
        let mut k = (PI / 4.0 + f64::from(angle)) as f32;
        for j in 0..4 {
            px[j] = (f64::from(k).sin() * f64::from(size) + f64::from(x)).round() as i32;
            py[j] = (f64::from(k).cos() * f64::from(size) + f64::from(y)).round() as i32;
            k = (f64::from(k) + PI / 2.0) as f32;
        }
        for j in 0..4 {
            let next = (j + 1) % 4;
            self.line(px[j], py[j], px[next], py[next]);
        }
    }

    /// The Braille text, a newline after each row of characters: after the
    /// last one too, unless that row starts on the canvas's last pixel line
    /// (Redis compares the row's first line, not its last, with the end).
    fn render(&self) -> Vec<u8> {
        let mut text =
            Vec::with_capacity(self.cells.len() * 3 + self.cells.len() / self.row_len.max(1));
        for (row, cells) in self.cells.chunks(self.row_len.max(1)).enumerate() {
            for &cell in cells {
                // U+2800 + cell, in UTF-8's three bytes.
                let code = 0x2800 + u32::from(cell);
                text.extend_from_slice(&[
                    0xE0 | (code >> 12) as u8,
                    0x80 | ((code >> 6) & 0x3F) as u8,
                    0x80 | (code & 0x3F) as u8,
                ]);
            }
            if row as i32 * 4 != self.height - 1 {
                text.push(b'\n');
            }
        }
        text
    }
}

/// A grid of pixels of four greys (0 black to 3 white) for the skyline;
/// writes outside it are ignored and reads outside it are black, as on
/// Redis's `lwCanvas`.
struct Canvas {
    width: i32,
    height: i32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn new(width: i32, height: i32, background: u8) -> Canvas {
        let size = width.max(0) as usize * height.max(0) as usize;
        Canvas {
            width,
            height,
            pixels: vec![background; size],
        }
    }

    fn index(&self, x: i32, y: i32) -> Option<usize> {
        if x < 0 || x >= self.width || y < 0 || y >= self.height {
            return None;
        }
        Some(x as usize + y as usize * self.width as usize)
    }

    fn set(&mut self, x: i32, y: i32, color: u8) {
        if let Some(i) = self.index(x, y) {
            self.pixels[i] = color;
        }
    }

    fn get(&self, x: i32, y: i32) -> u8 {
        self.index(x, y).map_or(0, |i| self.pixels[i])
    }

    /// One space per pixel, in the terminal's grey for its colour (both
    /// foreground and background set, as Redis sets them).
    fn render(&self) -> Vec<u8> {
        let mut text = Vec::new();
        for y in 0..self.height {
            for x in 0..self.width {
                let escape: &[u8] = match self.get(x, y) {
                    1 => b"0;90;100m",
                    2 => b"0;37;47m",
                    3 => b"0;97;107m",
                    _ => b"0;30;40m",
                };
                text.extend_from_slice(b"\x1b[");
                text.extend_from_slice(escape);
                text.extend_from_slice(b" \x1b[0m");
            }
            if y != self.height - 1 {
                text.push(b'\n');
            }
        }
        text
    }
}

/// *Schotter*: rows of squares, still at the top, increasingly turned and
/// shifted towards the bottom (`lwDrawSchotter`).
fn schotter(rng: &mut fastrand::Rng, cols: i32, per_row: i32, per_col: i32) -> Dots {
    let width = cols * 2;
    let padding = if width > 4 { 2 } else { 0 };
    let side = (width - padding * 2) as f32 / per_row as f32;
    let height = (side * per_col as f32 + (padding * 2) as f32) as i32;
    let mut canvas = Dots::new(width, height);
    for y in 0..per_col {
        for x in 0..per_row {
            let mut sx = (x as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut sy = (y as f32 * side + side / 2.0 + padding as f32) as i32;
            let mut angle = 0.0f32;
            if y > 1 {
                let mut draw = || rand(rng) as f32 / RAND_MAX as f32 / per_col as f32 * y as f32;
                let mut r1 = draw();
                let mut r2 = draw();
                let mut r3 = draw();
                if rand(rng) % 2 != 0 {
                    r1 = -r1;
                }
                if rand(rng) % 2 != 0 {
                    r2 = -r2;
                }
                if rand(rng) % 2 != 0 {
                    r3 = -r3;
                }
                angle = r1;
                sx = (sx as f32 + r2 * side / 3.0) as i32;
                sy = (sy as f32 + r3 * side / 3.0) as i32;
            }
            canvas.square(sx, sy, side, angle);
        }
    }
    canvas
}

/// One skyscraper (`struct skyscraper`).
struct Skyscraper {
    xoff: i32,
    width: i32,
    height: i32,
    windows: bool,
    color: u8,
}

/// Draws a skyscraper standing on the bottom row: a roof two pixels
/// narrower on each side, and windows two pixels wide, one tall, of a
/// random grey (`generateSkyscraper`).
fn skyscraper(rng: &mut fastrand::Rng, canvas: &mut Canvas, s: &Skyscraper) {
    let start_y = canvas.height - 1;
    let end_y = start_y - s.height + 1;
    let mut y = start_y;
    while y >= end_y {
        for x in s.xoff..s.xoff + s.width {
            if y == end_y && (x <= s.xoff + 1 || x >= s.xoff + s.width - 2) {
                continue;
            }
            let mut color = s.color;
            if s.windows
                && x > s.xoff + 1
                && x < s.xoff + s.width - 2
                && y > end_y + 1
                && y < start_y - 1
            {
                let rel_x = x - (s.xoff + 1);
                let rel_y = y - (end_y + 1);
                if (rel_x / 2) % 2 != 0 && rel_y % 2 != 0 {
                    loop {
                        color = 1 + (rand(rng) % 2) as u8;
                        if color != s.color {
                            break;
                        }
                    }
                    if rel_x % 2 != 0 {
                        color = canvas.get(x - 1, y);
                    }
                }
            }
            canvas.set(x, y, color);
        }
        y -= 1;
    }
}

/// The skyline: two rows of background skyscrapers, lighter behind, then
/// the black foreground ones with windows (`generateSkyline`).
fn skyline(rng: &mut fastrand::Rng, canvas: &mut Canvas) {
    let (w, h) = (canvas.width, canvas.height);
    for color in [2u8, 1] {
        let mut offset = -10;
        while offset < w {
            offset += rand(rng) % 8;
            let width = 10 + rand(rng) % 9;
            let height = if color == 2 {
                h / 2 + rand(rng) % h / 2
            } else {
                h / 2 + rand(rng) % h / 3
            };
            let s = Skyscraper {
                xoff: offset,
                width,
                height,
                windows: false,
                color,
            };
            skyscraper(rng, canvas, &s);
            offset += if color == 2 { width / 2 } else { width + 1 };
        }
    }
    let mut offset = -10;
    while offset < w {
        offset += rand(rng) % 8;
        let mut width = 5 + rand(rng) % 14;
        if width % 4 != 0 {
            width += width % 3;
        }
        let height = h / 3 + rand(rng) % h / 2;
        let s = Skyscraper {
            xoff: offset,
            width,
            height,
            windows: true,
            color: 0,
        };
        skyscraper(rng, canvas, &s);
        offset += width + 5;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smallest_schotter_is_one_square() {
        // LOLWUT VERSION 5 0 0 0 on Redis: "⠋\n" before the caption.
        let canvas = schotter(&mut fastrand::Rng::with_seed(1), 1, 1, 1);
        assert_eq!(canvas.render(), "⠋\n".as_bytes());
    }

    #[test]
    fn top_rows_do_not_depend_on_the_seed() {
        let a = schotter(&mut fastrand::Rng::with_seed(1), 66, 8, 12).render();
        let b = schotter(&mut fastrand::Rng::with_seed(2), 66, 8, 12).render();
        let lines =
            |t: &[u8]| -> Vec<Vec<u8>> { t.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect() };
        assert_eq!(lines(&a)[..7], lines(&b)[..7]);
        assert_eq!(lines(&a).len(), 50);
    }
}

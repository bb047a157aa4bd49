//! A picture of one run: a self-contained SVG timeline of who held the
//! lock, what the faults did and which writes the resource took.
//!
//! One lane per client: a bar from each acquisition to the end of its
//! claim (blue; the part of a renewed lease beyond its first deadline in
//! a lighter shade), a tick where it released (black) or where its lost
//! signal fired (orange), a hatched span while it was paused, and a dot
//! per write (green accepted, red rejected; hollow when the holder was
//! past its validity). Below, one lane per server with its faults:
//! partitions (grey spans, labelled with the client), restarts (dark
//! spans while off, a red bar for an immediate restart), clock jumps
//! (arrows) and lost or delayed replies (small marks). Violations are
//! red bands across every lane, with their kind written at the top.
//! Hovering any mark shows its event as text (an SVG `<title>`).

use std::time::Duration;

use super::check::{Report, ViolationKind, claims};
use super::history::{EventKind, Fault, History, Ms};

const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 62.0;
const LANE: f64 = 34.0;
const AXIS: f64 = 30.0;
const LEGEND: f64 = 52.0;

/// Escapes text for XML.
fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

struct Canvas {
    out: String,
    width: f64,
    span: f64,
}

impl Canvas {
    fn x(&self, t: Duration) -> f64 {
        LEFT + (self.width - LEFT - RIGHT) * (t.as_secs_f64() / self.span).min(1.0)
    }

    fn push(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }
}

/// The lane's vertical centre for client `c` (servers follow clients).
fn lane_y(lane: usize) -> f64 {
    TOP + LANE * lane as f64 + LANE / 2.0
}

/// An SVG picture of `history` with the violations of `report` marked;
/// `title` goes at the top (e.g. the seed and scenario).
pub fn svg(history: &History, report: &Report, title: &str) -> String {
    let lanes = history.clients + history.servers;
    let width = 1200.0;
    let height = TOP + LANE * lanes as f64 + AXIS + LEGEND;
    let span = history.length.as_secs_f64().max(1e-3);
    let mut c = Canvas {
        out: String::new(),
        width,
        span,
    };
    c.push(&format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">"#
    ));
    c.push(
        r##"<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff3c4"/><line x1="0" y1="0" x2="0" y2="6" stroke="#d4a017" stroke-width="2"/></pattern></defs>"##,
    );
    c.push(&format!(
        r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##
    ));
    c.push(&format!(
        r#"<text x="{LEFT}" y="18" font-size="13" font-weight="bold">{}</text>"#,
        esc(title)
    ));
    let verdict = if report.is_clean() {
        "no violations".to_string()
    } else {
        format!("{} violation(s)", report.violations.len())
    };
    c.push(&format!(
        r##"<text x="{LEFT}" y="34" fill="{}">{}</text>"##,
        if report.is_clean() {
            "#2e7d32"
        } else {
            "#c62828"
        },
        esc(&verdict)
    ));

    // Lanes and labels.
    for lane in 0..lanes {
        let y = lane_y(lane);
        let (label, fill) = if lane < history.clients {
            (format!("client c{lane}"), "#f7f9fc")
        } else {
            (format!("server s{}", lane - history.clients), "#f4f4f4")
        };
        c.push(&format!(
            r#"<rect x="{LEFT}" y="{}" width="{}" height="{}" fill="{fill}" class="lane"/>"#,
            y - LANE / 2.0 + 1.0,
            width - LEFT - RIGHT,
            LANE - 2.0
        ));
        c.push(&format!(
            r#"<text x="6" y="{}">{}</text>"#,
            y + 4.0,
            esc(&label)
        ));
    }

    // Time axis.
    let axis_y = TOP + LANE * lanes as f64 + 4.0;
    c.push(&format!(
        r##"<line x1="{LEFT}" y1="{axis_y}" x2="{}" y2="{axis_y}" stroke="#555"/>"##,
        width - RIGHT
    ));
    let step = nice_step(span);
    let mut t = 0.0;
    while t <= span + 1e-9 {
        let x = c.x(Duration::from_secs_f64(t));
        c.push(&format!(
            r##"<line x1="{x:.1}" y1="{axis_y}" x2="{x:.1}" y2="{}" stroke="#555"/>"##,
            axis_y + 5.0
        ));
        c.push(&format!(
            r##"<text x="{x:.1}" y="{}" text-anchor="middle" fill="#333">{t:.1}s</text>"##,
            axis_y + 17.0
        ));
        t += step;
    }

    // Violations: bands behind everything else drawn later.
    let mut label_rows = [0.0f64; 2];
    for v in &report.violations {
        let x0 = c.x(v.at);
        let x1 = c.x(v.until).max(x0 + 3.0);
        c.push(&format!(
            r##"<rect x="{x0:.1}" y="{}" width="{:.1}" height="{}" fill="#e53935" fill-opacity="0.25" stroke="#c62828" class="violation"><title>{}</title></rect>"##,
            TOP,
            x1 - x0,
            LANE * lanes as f64,
            esc(&v.to_string())
        ));
        // Labels in two rows above the lanes; one that fits in neither
        // is left out (the band's tooltip still says it).
        let label = match v.kind {
            ViolationKind::Overlap => "overlap",
            ViolationKind::TokenReused => "token reused",
            ViolationKind::StaleWrite => "stale write",
            ViolationKind::SupersededWrite => "superseded write",
        };
        let label_width = 6.5 * label.len() as f64;
        if let Some(row) = label_rows.iter().position(|end| x0 >= *end) {
            label_rows[row] = x0 + label_width + 4.0;
            c.push(&format!(
                r##"<text x="{x0:.1}" y="{}" fill="#c62828" font-weight="bold">{label}</text>"##,
                TOP - 3.0 - 12.0 * row as f64,
            ));
        }
    }

    // Holding intervals.
    let mut first_deadline = std::collections::BTreeMap::new();
    for e in &history.events {
        if let EventKind::Acquired {
            hold, valid_until, ..
        } = e.kind
        {
            first_deadline.insert(hold, valid_until);
        }
    }
    for claim in claims(history) {
        let y = lane_y(claim.hold.client);
        let x0 = c.x(claim.from);
        let first = first_deadline
            .get(&claim.hold)
            .copied()
            .unwrap_or(claim.until)
            .min(claim.until);
        let x1 = c.x(first).max(x0 + 1.0);
        let x2 = c.x(claim.until).max(x1);
        let tip = format!(
            "{} holds [{}, {}) fence {}",
            claim.hold,
            Ms(claim.from),
            Ms(claim.until),
            claim.fence.map_or("-".into(), |f| f.to_string())
        );
        c.push(&format!(
            r##"<rect x="{x0:.1}" y="{}" width="{:.1}" height="12" fill="#1e88e5" class="hold"><title>{}</title></rect>"##,
            y - 10.0,
            x1 - x0,
            esc(&tip)
        ));
        if x2 > x1 {
            c.push(&format!(
                r##"<rect x="{x1:.1}" y="{}" width="{:.1}" height="12" fill="#90caf9" class="hold"><title>{} (renewed)</title></rect>"##,
                y - 10.0,
                x2 - x1,
                esc(&tip)
            ));
        }
        if let Some(f) = claim.fence {
            c.push(&format!(
                r##"<text x="{:.1}" y="{}" fill="#0d47a1" font-size="9">{f}</text>"##,
                x0 + 1.0,
                y - 12.0
            ));
        }
    }

    // Client events: pauses, releases, losses, writes.
    for e in &history.events {
        let x = c.x(e.at);
        let tip = esc(&format!("{} {}", Ms(e.at), e.kind));
        match &e.kind {
            EventKind::Fault(Fault::Pause { client, length }) => {
                let y = lane_y(*client);
                let x1 = c.x(e.at + *length);
                c.push(&format!(
                    r##"<rect x="{x:.1}" y="{}" width="{:.1}" height="8" fill="url(#hatch)" stroke="#d4a017" class="pause"><title>{tip}</title></rect>"##,
                    y + 4.0,
                    (x1 - x).max(1.0)
                ));
            }
            EventKind::Released { hold, outcome } => {
                let y = lane_y(hold.client);
                let color = if outcome == "Ok" {
                    "#212121"
                } else {
                    "#8e24aa"
                };
                c.push(&format!(
                    r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{}" stroke="{color}" stroke-width="2" class="release"><title>{tip}</title></line>"##,
                    y - 13.0,
                    y + 3.0
                ));
            }
            EventKind::Lost { hold, .. } | EventKind::NoticedInvalid { hold } => {
                let y = lane_y(hold.client);
                c.push(&format!(
                    r##"<path d="M{x:.1},{} l-4,-7 h8 z" fill="#fb8c00" class="lost"><title>{tip}</title></path>"##,
                    y + 2.0
                ));
            }
            EventKind::Write {
                hold,
                accepted,
                valid,
                ..
            } => {
                let y = lane_y(hold.client) + 8.0;
                let color = if *accepted { "#2e7d32" } else { "#c62828" };
                let fill = if *valid { color } else { "#ffffff" };
                c.push(&format!(
                    r#"<circle cx="{x:.1}" cy="{y}" r="4" fill="{fill}" stroke="{color}" stroke-width="2" class="write"><title>{tip}</title></circle>"#
                ));
            }
            EventKind::AcquireFailed { client, .. } => {
                let y = lane_y(*client) + 12.0;
                c.push(&format!(
                    r##"<text x="{x:.1}" y="{y}" fill="#9e9e9e" font-size="9" text-anchor="middle" class="failed">×<title>{tip}</title></text>"##
                ));
            }
            EventKind::Fault(f) => server_fault(&mut c, history, e.at, f, &tip),
            EventKind::Acquired { .. } | EventKind::Renewed { .. } => {}
        }
    }

    legend(&mut c, height - LEGEND + 14.0);
    c.push("</svg>");
    c.out
}

/// Draws a server-side fault in its server's lane.
fn server_fault(c: &mut Canvas, history: &History, at: Duration, f: &Fault, tip: &str) {
    let lane = |s: usize| lane_y(history.clients + s);
    let x = c.x(at);
    match f {
        Fault::Partition {
            client,
            servers,
            length,
        } => {
            let x1 = c.x(at + *length);
            for &s in servers {
                let y = lane(s);
                c.push(&format!(
                    r##"<rect x="{x:.1}" y="{}" width="{:.1}" height="10" fill="#9e9e9e" fill-opacity="0.6" class="partition"><title>{tip}</title></rect>"##,
                    y - 12.0,
                    (x1 - x).max(1.0)
                ));
                c.push(&format!(
                    r##"<text x="{:.1}" y="{}" font-size="9" fill="#212121">✂c{client}</text>"##,
                    x + 1.0,
                    y - 4.0
                ));
            }
            // The client's side too: a thin grey line under its lane.
            let y = lane_y(*client) + 14.0;
            c.push(&format!(
                r##"<line x1="{x:.1}" y1="{y}" x2="{x1:.1}" y2="{y}" stroke="#9e9e9e" stroke-width="2" stroke-dasharray="3,2" class="partition"><title>{tip}</title></line>"##
            ));
        }
        Fault::Restart { server, down, .. } => {
            let y = lane(*server);
            if down.is_zero() {
                c.push(&format!(
                    r##"<rect x="{:.1}" y="{}" width="4" height="{}" fill="#c62828" class="restart"><title>{tip}</title></rect>"##,
                    x - 2.0,
                    y - 14.0,
                    LANE - 6.0
                ));
            } else {
                let x1 = c.x(at + *down);
                c.push(&format!(
                    r##"<rect x="{x:.1}" y="{}" width="{:.1}" height="{}" fill="#424242" fill-opacity="0.75" class="restart"><title>{tip}</title></rect>"##,
                    y - 14.0,
                    (x1 - x).max(1.0),
                    LANE - 6.0
                ));
                c.push(&format!(
                    r##"<text x="{:.1}" y="{}" fill="#ffffff" font-size="9">off</text>"##,
                    x + 2.0,
                    y + 4.0
                ));
            }
        }
        Fault::ClockJump {
            server, forward, ..
        } => {
            let y = lane(*server) + 8.0;
            // A triangle pointing the way the clock stepped.
            let (d, color) = if *forward {
                (format!("M{x:.1},{} l8,4 l-8,4 z", y - 4.0), "#c62828")
            } else {
                (format!("M{x:.1},{} l-8,4 l8,4 z", y - 4.0), "#3949ab")
            };
            c.push(&format!(
                r#"<path d="{d}" fill="{color}" class="jump"><title>{tip}</title></path>"#
            ));
        }
        Fault::Drift { server, rate_ppm } => {
            let y = lane(*server) + 12.0;
            c.push(&format!(
                r##"<text x="{:.1}" y="{y}" font-size="9" fill="{}" class="drift">×{:.3}<title>{tip}</title></text>"##,
                x + 2.0,
                if *rate_ppm > 1_060_000 { "#c62828" } else { "#616161" },
                *rate_ppm as f64 / 1e6
            ));
        }
        Fault::LostReply { server, client, .. } | Fault::DelayedReply { server, client, .. } => {
            let y = lane(*server) + 2.0;
            let (glyph, color) = if matches!(f, Fault::LostReply { .. }) {
                ("✉✗", "#6d4c41")
            } else {
                ("✉…", "#00897b")
            };
            c.push(&format!(
                r#"<text x="{x:.1}" y="{y}" font-size="10" fill="{color}" class="reply">{glyph}c{client}<title>{tip}</title></text>"#
            ));
        }
        Fault::Pause { .. } => {}
    }
}

fn legend(c: &mut Canvas, y: f64) {
    let items: [(&str, &str); 9] = [
        (
            r##"<rect x="0" y="-9" width="18" height="10" fill="#1e88e5"/>"##,
            "holding (validity)",
        ),
        (
            r##"<rect x="0" y="-9" width="18" height="10" fill="#90caf9"/>"##,
            "renewed",
        ),
        (
            r##"<line x1="9" y1="-11" x2="9" y2="3" stroke="#212121" stroke-width="2"/>"##,
            "release (purple: not held)",
        ),
        (
            r##"<path d="M9,1 l-4,-7 h8 z" fill="#fb8c00"/>"##,
            "lost / found invalid",
        ),
        (
            r##"<rect x="0" y="-7" width="18" height="8" fill="url(#hatch)" stroke="#d4a017"/>"##,
            "pause",
        ),
        (
            r##"<circle cx="9" cy="-4" r="4" fill="#2e7d32"/>"##,
            "write accepted",
        ),
        (
            r##"<circle cx="9" cy="-4" r="4" fill="#c62828"/>"##,
            "rejected (hollow: late)",
        ),
        (
            r##"<rect x="0" y="-9" width="18" height="10" fill="#9e9e9e"/>"##,
            "partition / server off",
        ),
        (
            r##"<path d="M5,-8 l8,4 l-8,4 z" fill="#c62828"/>"##,
            "clock jump (red: forward, blue: back)",
        ),
    ];
    let (mut x, mut y) = (LEFT, y);
    for (glyph, label) in items {
        let w = 30.0 + 6.2 * label.len() as f64;
        if x + w > c.width - RIGHT {
            x = LEFT;
            y += 16.0;
        }
        c.push(&format!(
            r#"<g transform="translate({x:.1},{y})">{glyph}<text x="22" y="0">{}</text></g>"#,
            esc(label)
        ));
        x += w;
    }
}

/// A tick spacing for `span` seconds: about ten ticks.
fn nice_step(span: f64) -> f64 {
    let raw = span / 10.0;
    let mag = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag)
}

/// Whether `svg` is well-formed enough for a viewer: every element that
/// opens closes, in order (no XML parser among the dependencies).
pub fn tags_balanced(svg: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let end = rest.find('>').ok_or("a tag is not closed")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack
                .pop()
                .ok_or_else(|| format!("</{name}> closes nothing"))?;
            if open != name.trim() {
                return Err(format!("<{open}> closed by </{name}>"));
            }
        } else if !tag.ends_with('/') && !tag.starts_with('?') && !tag.starts_with('!') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            stack.push(name);
        }
    }
    match stack.pop() {
        None => Ok(()),
        Some(open) => Err(format!("<{open}> never closed")),
    }
}

/// The lanes `svg` draws: one per client, then one per server.
pub fn lane_labels(history: &History) -> Vec<String> {
    (0..history.clients)
        .map(|c| format!("client c{c}"))
        .chain((0..history.servers).map(|s| format!("server s{s}")))
        .collect()
}

//! Charts drawn on the server as SVG, inline in the page: no script, nothing fetched, the
//! pages' CSP untouched (presentation attributes only, no `style`). Each is a pure function
//! from data to an SVG string: [`monthly`] (stacked columns, one per month) and [`bars`]
//! (horizontal bars per category, stacked or side by side).
//!
//! Every chart is an image with a name (`role="img"`, `aria-label`, `<title>`) and a
//! description (`<desc>`: what it shows, in words), and the page puts the same numbers in a
//! table beside it. Text is escaped. The drawing is 360 units wide and scales to its box
//! (`width="100%"`, `viewBox`), so at a phone's width the text stays near its drawn size.
//! Colours are a fixed palette, each at least 4.5:1 against white (WCAG's 3:1 for graphics
//! with room), told apart by the legend's words as well as by hue. No data draws the
//! empty-state message instead of axes with nothing on them.

pub mod bars;
pub mod monthly;

use std::fmt::Write;

/// The drawing's width; heights follow the content.
const WIDTH: f64 = 360.0;
/// Text sizes, in drawing units.
const TEXT: f64 = 12.0;
/// Grey text and grid lines (the portal's `--ink-2` and `--line`).
const INK: &str = "#4a5568";
const GRID: &str = "#d9dee7";

/// The palette.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Colour {
    Blue,
    Green,
    Amber,
    Red,
    Violet,
    Grey,
    Teal,
}

impl Colour {
    pub fn hex(self) -> &'static str {
        match self {
            Colour::Blue => "#1d4ed8",
            Colour::Green => "#047857",
            Colour::Amber => "#b45309",
            Colour::Red => "#b42318",
            Colour::Violet => "#6d28d9",
            Colour::Grey => "#667085",
            Colour::Teal => "#0e7490",
        }
    }
}

/// One series: its name in the legend and its colour.
#[derive(Clone, Debug)]
pub struct Series {
    pub name: String,
    pub colour: Colour,
}

impl Series {
    pub fn new(name: impl Into<String>, colour: Colour) -> Series {
        Series {
            name: name.into(),
            colour,
        }
    }
}

/// What every chart says about itself: its name, the description a screen reader reads,
/// the message drawn when there is nothing to show, and how values are written.
#[derive(Clone, Copy)]
pub struct Words<'a> {
    pub title: &'a str,
    pub description: &'a str,
    pub empty: &'a str,
    pub format: fn(f64) -> String,
}

/// `text` safe inside SVG text and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The opening of a chart `height` units tall, with its name and description.
fn open(words: &Words<'_>, height: f64) -> String {
    let title = escape(words.title);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"100%\" role=\"img\" aria-label=\"{title}\" font-family=\"system-ui, sans-serif\" \
         font-size=\"{TEXT}\"><title>{title}</title><desc>{}</desc>",
        escape(words.description)
    )
}

/// A chart with nothing to draw: its name, and the message where the bars would be.
fn empty(words: &Words<'_>) -> String {
    let mut svg = open(words, 80.0);
    let _ = write!(
        svg,
        "<rect x=\"0.5\" y=\"0.5\" width=\"{}\" height=\"79\" rx=\"8\" fill=\"#f5f7fa\" stroke=\"{GRID}\"/>\
         <text class=\"chart-empty\" x=\"{}\" y=\"44\" text-anchor=\"middle\" fill=\"{INK}\">{}</text></svg>",
        WIDTH - 1.0,
        WIDTH / 2.0,
        escape(words.empty)
    );
    svg
}

/// A round top for an axis: 1, 2, 2.5 or 5 times a power of ten, in steps of a quarter of it
/// (whole steps when the values are counts). The (top, step).
fn axis_top(max: f64, whole: bool) -> (f64, f64) {
    if max <= 0.0 {
        return (1.0, 0.25);
    }
    let rough = max / 4.0;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|s| *s >= rough)
        .unwrap_or(10.0 * power);
    let step = if whole { step.ceil().max(1.0) } else { step };
    (step * (max / step).ceil(), step)
}

/// An estimate of a text's width in drawing units (system fonts average ~0.55 em per
/// character): enough to lay out legends and keep labels inside the drawing.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * TEXT * 0.58
}

/// The legend from `y` down, items flowing left to right and wrapping; the height it took.
fn legend(svg: &mut String, series: &[Series], y: f64) -> f64 {
    let (mut x, mut line) = (0.0, 0.0);
    for s in series {
        let width = 14.0 + text_width(&s.name) + 14.0;
        if x > 0.0 && x + width > WIDTH {
            x = 0.0;
            line += 18.0;
        }
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"{}\" width=\"10\" height=\"10\" rx=\"2\" fill=\"{}\"/>\
             <text x=\"{}\" y=\"{}\" fill=\"{INK}\">{}</text>",
            y + line,
            s.colour.hex(),
            x + 14.0,
            y + line + 9.0,
            escape(&s.name)
        );
        x += width;
    }
    line + 18.0
}

/// A number as drawn: at most two decimals, none when whole (counts: `12`).
pub fn num(v: f64) -> String {
    let rounded = (v * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded}")
    }
}

#[cfg(test)]
pub(crate) mod check {
    //! What the chart tests hold every drawing to: well-formed (tags balanced, attributes
    //! quoted, no bare `<` or `&` in text), accessible, sized by its viewBox.

    /// Panics unless `svg` is well-formed XML as far as our drawings go.
    pub fn well_formed(svg: &str) {
        let mut open: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            text_is_escaped(&rest[..start]);
            let end = rest[start..].find('>').expect("a tag is closed") + start;
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "a tag inside a tag: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop().as_deref(), Some(name), "closing {name}");
            } else {
                let name = tag.split_whitespace().next().expect("a tag name");
                assert_eq!(tag.matches('"').count() % 2, 0, "quotes in {tag}");
                attributes_are_escaped(tag);
                if !tag.ends_with('/') {
                    open.push(name.to_owned());
                }
            }
            rest = &rest[end + 1..];
        }
        text_is_escaped(rest);
        assert!(open.is_empty(), "left open: {open:?}");
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>"));
    }

    fn text_is_escaped(text: &str) {
        assert!(!text.contains('>'), "a bare > in {text:?}");
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..text[i..].find(';').map_or(text.len(), |e| i + e + 1)];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(&entity),
                "a bare & in {text:?}"
            );
        }
    }

    fn attributes_are_escaped(tag: &str) {
        for value in tag.split('"').skip(1).step_by(2) {
            text_is_escaped(value);
        }
    }

    /// Panics unless `svg` is an image with `title` as its name and a description.
    pub fn accessible(svg: &str, title: &str) {
        assert!(svg.contains("role=\"img\""), "{svg}");
        assert!(svg.contains(&format!("aria-label=\"{title}\"")), "{svg}");
        assert!(svg.contains(&format!("<title>{title}</title>")), "{svg}");
        assert!(
            svg.contains("<desc>") && !svg.contains("<desc></desc>"),
            "{svg}"
        );
        assert!(svg.contains("width=\"100%\"") && svg.contains("viewBox=\"0 0 360 "));
    }

    /// Each `<rect class="bar" …>`'s (x, y, width, height).
    pub fn bars(svg: &str) -> Vec<(f64, f64, f64, f64)> {
        svg.split("<rect class=\"bar\"")
            .skip(1)
            .map(|r| {
                let attr = |name: &str| -> f64 {
                    let at = r.find(&format!(" {name}=\"")).expect(name) + name.len() + 3;
                    r[at..r[at..].find('"').unwrap() + at].parse().unwrap()
                };
                (attr("x"), attr("y"), attr("width"), attr("height"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_svg() {
        assert_eq!(
            escape("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(axis_top(3.0, true), (3.0, 1.0));
        assert_eq!(axis_top(17.0, true), (20.0, 5.0));
        assert_eq!(axis_top(920_000.0, false), (1_000_000.0, 250_000.0));
        assert_eq!(axis_top(7.0, false), (8.0, 2.0));
        assert_eq!(axis_top(0.0, false), (1.0, 0.25));
        assert_eq!(axis_top(1.0, true), (1.0, 1.0));
    }

    #[test]
    fn the_palette_has_contrast_against_white() {
        fn luminance(hex: &str) -> f64 {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
                if c <= 0.039_28 {
                    c / 12.92
                } else {
                    ((c + 0.055) / 1.055).powf(2.4)
                }
            };
            0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
        }
        for c in [
            Colour::Blue,
            Colour::Green,
            Colour::Amber,
            Colour::Red,
            Colour::Violet,
            Colour::Grey,
            Colour::Teal,
        ] {
            let ratio = 1.05 / (luminance(c.hex()) + 0.05);
            assert!(ratio >= 4.5, "{c:?}: {ratio:.2}");
        }
    }

    #[test]
    fn nothing_to_draw_says_so() {
        let words = Words {
            title: "Fees <per> month",
            description: "Nothing yet",
            empty: "No registrations in this period yet",
            format: num,
        };
        let svg = empty(&words);
        check::well_formed(&svg);
        check::accessible(&svg, "Fees &lt;per&gt; month");
        assert!(svg.contains(">No registrations in this period yet</text>"));
    }
}

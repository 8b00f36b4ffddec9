//! Horizontal bars, one row per category (a registration type, an agent): the category's
//! name on its own line above its bars, so long names need no margin and fit a phone's width;
//! the series stacked in one bar or drawn side by side, each bar's value at its end.

use super::{INK, Series, WIDTH, Words, empty, escape, legend, open, text_width};
use std::fmt::Write;

/// How a row's series are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One bar per row, the series end to end (parts of a whole), the total at its end.
    Stacked,
    /// One bar per series (comparable figures), each with its value.
    Grouped,
}

/// Bars' data: `values[s][c]` is series `s` for category `c`.
pub struct Bars<'a> {
    pub words: Words<'a>,
    pub categories: &'a [String],
    pub series: &'a [Series],
    pub values: &'a [Vec<f64>],
    pub layout: Layout,
}

const LABEL: f64 = 16.0;
const STACKED: f64 = 14.0;
const GROUPED: f64 = 12.0;
const GAP: f64 = 12.0;
const VALUE_TEXT: f64 = 11.0;

impl Bars<'_> {
    fn value(&self, series: usize, category: usize) -> f64 {
        self.values
            .get(series)
            .and_then(|v| v.get(category))
            .copied()
            .unwrap_or(0.0)
            .max(0.0)
    }

    /// What each row's longest bar stands for.
    fn row_extent(&self, category: usize) -> f64 {
        let each = (0..self.series.len()).map(|s| self.value(s, category));
        match self.layout {
            Layout::Stacked => each.sum(),
            Layout::Grouped => each.fold(0.0, f64::max),
        }
    }

    fn bars_height(&self) -> f64 {
        match self.layout {
            Layout::Stacked => STACKED,
            Layout::Grouped => self.series.len() as f64 * (GROUPED + 2.0) - 2.0,
        }
    }

    /// Every value label a row may carry, as drawn.
    fn value_labels(&self) -> Vec<String> {
        let format = self.words.format;
        (0..self.categories.len())
            .flat_map(|c| match self.layout {
                Layout::Stacked => vec![format(self.row_extent(c))],
                Layout::Grouped => (0..self.series.len())
                    .map(|s| format(self.value(s, c)))
                    .collect(),
            })
            .collect()
    }
}

/// The SVG of `chart`.
pub fn bars(chart: &Bars<'_>) -> String {
    let n = chart.categories.len();
    let max = (0..n).map(|c| chart.row_extent(c)).fold(0.0, f64::max);
    if n == 0 || max <= 0.0 {
        return empty(&chart.words);
    }
    // The longest bar leaves room for its value label.
    let room = chart
        .value_labels()
        .iter()
        .map(|l| text_width(l) * VALUE_TEXT / super::TEXT)
        .fold(0.0, f64::max)
        + 6.0;
    let scale = (WIDTH - room) / max;
    let mut body = String::new();
    let legend_height = if chart.series.len() > 1 {
        legend(&mut body, chart.series, 0.0) + 4.0
    } else {
        0.0
    };
    let row_height = LABEL + chart.bars_height() + GAP;
    for (c, category) in chart.categories.iter().enumerate() {
        let top = legend_height + c as f64 * row_height;
        let _ = write!(
            body,
            "<text x=\"0\" y=\"{:.2}\" fill=\"#17202e\">{}</text>",
            top + 12.0,
            escape(category)
        );
        let y = top + LABEL;
        match chart.layout {
            Layout::Stacked => stacked_row(&mut body, chart, c, y, scale),
            Layout::Grouped => grouped_row(&mut body, chart, c, y, scale),
        }
    }
    let height = legend_height + n as f64 * row_height - GAP + 2.0;
    let mut svg = open(&chart.words, height.ceil());
    svg.push_str(&body);
    svg.push_str("</svg>");
    svg
}

fn bar(svg: &mut String, x: f64, y: f64, width: f64, height: f64, fill: &str, tip: &str) {
    let _ = write!(
        svg,
        "<rect class=\"bar\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{width:.2}\" height=\"{height:.2}\" \
         fill=\"{fill}\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>{}</title></rect>",
        escape(tip)
    );
}

fn value_label(svg: &mut String, x: f64, y: f64, text: &str) {
    let _ = write!(
        svg,
        "<text x=\"{:.2}\" y=\"{y:.2}\" font-size=\"{VALUE_TEXT}\" fill=\"{INK}\">{}</text>",
        x + 4.0,
        escape(text)
    );
}

fn stacked_row(svg: &mut String, chart: &Bars<'_>, c: usize, y: f64, scale: f64) {
    let format = chart.words.format;
    let mut x = 0.0;
    for (s, series) in chart.series.iter().enumerate() {
        let v = chart.value(s, c);
        if v <= 0.0 {
            continue;
        }
        let w = v * scale;
        let tip = format!("{}: {}", series.name, format(v));
        bar(svg, x, y, w, STACKED, series.colour.hex(), &tip);
        x += w;
    }
    value_label(svg, x, y + STACKED - 3.0, &format(chart.row_extent(c)));
}

fn grouped_row(svg: &mut String, chart: &Bars<'_>, c: usize, y: f64, scale: f64) {
    let format = chart.words.format;
    for (s, series) in chart.series.iter().enumerate() {
        let v = chart.value(s, c);
        let top = y + s as f64 * (GROUPED + 2.0);
        let w = v * scale;
        if v > 0.0 {
            let tip = format!("{}: {}", series.name, format(v));
            bar(svg, 0.0, top, w, GROUPED, series.colour.hex(), &tip);
        }
        value_label(svg, w, top + GROUPED - 2.0, &format(v));
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Colour, check, num};
    use super::*;

    fn words(title: &'static str) -> Words<'static> {
        Words {
            title,
            description: "What it shows.",
            empty: "Nothing was approved in this period",
            format: num,
        }
    }

    #[test]
    fn grouped_bars_are_proportional_and_labelled() {
        let categories = [
            "Private company".to_owned(),
            "Name <reservation>".to_owned(),
        ];
        let series = [
            Series::new("Median", Colour::Blue),
            Series::new("90th percentile", Colour::Violet),
        ];
        let values = [vec![5.0, 1.3], vec![18.4, 2.7]];
        let svg = bars(&Bars {
            words: words("Days to approval"),
            categories: &categories,
            series: &series,
            values: &values,
            layout: Layout::Grouped,
        });
        check::well_formed(&svg);
        check::accessible(&svg, "Days to approval");
        let drawn = check::bars(&svg);
        assert_eq!(drawn.len(), 4);
        let unit = drawn[1].2 / 18.4;
        for ((x, _, w, _), v) in drawn.iter().zip([5.0, 18.4, 1.3, 2.7]) {
            assert_eq!(*x, 0.0);
            assert!((w - v * unit).abs() < 0.02, "{w} for {v}");
        }
        // The longest bar and its label fit the drawing.
        assert!(drawn[1].2 + 4.0 + 4.0 * 5.8 <= 360.0);
        assert!(svg.contains(">Name &lt;reservation&gt;</text>"));
        assert!(svg.contains(">18.4</text>") && svg.contains(">90th percentile</text>"));
        // Rows go down the drawing.
        assert!(drawn[2].1 > drawn[1].1);
    }

    #[test]
    fn stacked_bars_add_up_to_their_total() {
        let categories = [
            "thandi@karoo.example".to_owned(),
            "sipho@karoo.example".to_owned(),
        ];
        let series = [
            Series::new("Pending", Colour::Amber),
            Series::new("Paid", Colour::Green),
        ];
        let values = [vec![100.0, 50.0], vec![300.0, 0.0]];
        let svg = bars(&Bars {
            words: Words {
                format: |v| format!("R{v:.2}"),
                ..words("Commissions by agent")
            },
            categories: &categories,
            series: &series,
            values: &values,
            layout: Layout::Stacked,
        });
        check::well_formed(&svg);
        let drawn = check::bars(&svg);
        assert_eq!(drawn.len(), 3);
        // Thandi's two parts end to end, 1:3; Sipho's bar an eighth of hers.
        assert!((drawn[1].0 - drawn[0].2).abs() < 0.02);
        assert!((drawn[1].2 / drawn[0].2 - 3.0).abs() < 0.001);
        assert!((drawn[2].2 * 8.0 - (drawn[0].2 + drawn[1].2)).abs() < 0.05);
        assert!(svg.contains(">R400.00</text>") && svg.contains(">R50.00</text>"));
        assert!(svg.contains("<title>Paid: R300.00</title>"));
    }

    #[test]
    fn no_rows_or_only_zeros_is_the_empty_state() {
        let series = [Series::new("Median", Colour::Blue)];
        let one = ["Private company".to_owned()];
        for (categories, values) in [(&[][..], vec![]), (&one[..], vec![vec![0.0]])] {
            let svg = bars(&Bars {
                words: words("Days to approval"),
                categories,
                series: &series,
                values: &values,
                layout: Layout::Grouped,
            });
            check::well_formed(&svg);
            check::accessible(&svg, "Days to approval");
            assert!(svg.contains("Nothing was approved in this period"));
            assert!(check::bars(&svg).is_empty());
        }
    }
}

//! Stacked columns, one per month: a count or an amount per month split by series (a single
//! series is a plain column chart). Months are labelled by their short name, with the year
//! under the first label of each year; past 13 months (or when the names would touch) every
//! second or third is named.

use super::{
    GRID, INK, Series, TEXT, WIDTH, Words, axis_top, empty, escape, legend, open, text_width,
};
use chrono::{Datelike, NaiveDate};
use std::fmt::Write;

/// Columns' data: `values[s][m]` is series `s` in month `m`.
pub struct Monthly<'a> {
    pub words: Words<'a>,
    pub months: &'a [NaiveDate],
    pub series: &'a [Series],
    pub values: &'a [Vec<f64>],
    /// Counts: the axis steps by whole numbers.
    pub whole: bool,
}

const TOP: f64 = 8.0;
const PLOT_HEIGHT: f64 = 150.0;
/// Room under the plot for the month and year labels.
const LABELS: f64 = 32.0;

impl Monthly<'_> {
    fn value(&self, series: usize, month: usize) -> f64 {
        self.values
            .get(series)
            .and_then(|v| v.get(month))
            .copied()
            .unwrap_or(0.0)
            .max(0.0)
    }

    fn total(&self, month: usize) -> f64 {
        (0..self.series.len()).map(|s| self.value(s, month)).sum()
    }
}

/// The SVG of `chart`.
pub fn monthly(chart: &Monthly<'_>) -> String {
    let n = chart.months.len();
    let max = (0..n).map(|m| chart.total(m)).fold(0.0, f64::max);
    if n == 0 || max <= 0.0 {
        return empty(&chart.words);
    }
    let (top, step) = axis_top(max, chart.whole);
    let format = chart.words.format;
    let ticks: Vec<f64> = (0..=((top / step).round() as usize))
        .map(|i| i as f64 * step)
        .collect();
    let left = ticks
        .iter()
        .map(|t| text_width(&format(*t)))
        .fold(0.0, f64::max)
        + 6.0;
    let plot_width = WIDTH - left - 2.0;
    let base = TOP + PLOT_HEIGHT;
    let mut body = String::new();
    for t in &ticks {
        let y = base - t / top * PLOT_HEIGHT;
        let _ = write!(
            body,
            "<line x1=\"{left}\" x2=\"{WIDTH}\" y1=\"{y:.2}\" y2=\"{y:.2}\" stroke=\"{GRID}\"/>\
             <text x=\"{}\" y=\"{:.2}\" text-anchor=\"end\" fill=\"{INK}\">{}</text>",
            left - 4.0,
            y + TEXT / 3.0,
            escape(&format(*t))
        );
    }
    let slot = plot_width / n as f64;
    let bar = (slot * 0.7).min(28.0);
    // Every month named when the names fit side by side, else every second or third.
    let fits = ((text_width("May") + 4.0) / slot).ceil().max(1.0) as usize;
    let label_every = n.div_ceil(13).max(fits);
    let labelled: Vec<usize> = (0..n).step_by(label_every).collect();
    for (m, month) in chart.months.iter().enumerate() {
        let x = left + slot * m as f64 + (slot - bar) / 2.0;
        let mut y = base;
        for (s, series) in chart.series.iter().enumerate() {
            let v = chart.value(s, m);
            if v <= 0.0 {
                continue;
            }
            let h = v / top * PLOT_HEIGHT;
            y -= h;
            let _ = write!(
                body,
                "<rect class=\"bar\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{bar:.2}\" height=\"{h:.2}\" \
                 fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>{} {}: {}</title></rect>",
                series.colour.hex(),
                month.format("%b %Y"),
                escape(&series.name),
                escape(&format(v))
            );
        }
        if let Some(k) = labelled.iter().position(|l| *l == m) {
            let with_year = shows_year(chart.months, &labelled, k);
            month_label(&mut body, *month, with_year, x + bar / 2.0, base);
        }
    }
    let mut svg = String::new();
    let legend_height = if chart.series.len() > 1 {
        legend(&mut svg, chart.series, base + LABELS)
    } else {
        0.0
    };
    let legend_svg = svg;
    let height = base + LABELS + legend_height;
    let mut svg = open(&chart.words, height.ceil());
    let _ = write!(
        svg,
        "<line x1=\"{left}\" x2=\"{WIDTH}\" y1=\"{base}\" y2=\"{base}\" stroke=\"{INK}\"/>"
    );
    svg.push_str(&body);
    svg.push_str(&legend_svg);
    svg.push_str("</svg>");
    svg
}

/// Whether the `k`th label names its year: the first label of each year, except a first
/// label whose year ends at the month right after it (`Dec` then `Jan`, side by side: the two
/// years would touch, and January's year says December's).
fn shows_year(months: &[NaiveDate], labelled: &[usize], k: usize) -> bool {
    let year = |k: usize| {
        labelled
            .get(k)
            .and_then(|m| months.get(*m))
            .map(|d| d.year())
    };
    match k {
        0 => labelled.get(1).is_none_or(|next| *next > 1) || year(1) == year(0),
        _ => year(k) != year(k - 1),
    }
}

/// `Mar`, with the year under it when [`shows_year`] says so.
fn month_label(svg: &mut String, month: NaiveDate, with_year: bool, x: f64, base: f64) {
    let _ = write!(
        svg,
        "<text x=\"{x:.2}\" y=\"{}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
        base + 14.0,
        month.format("%b")
    );
    if with_year {
        let _ = write!(
            svg,
            "<text x=\"{x:.2}\" y=\"{}\" text-anchor=\"middle\" fill=\"{INK}\">{}</text>",
            base + 27.0,
            month.year()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Colour, check, num};
    use super::*;

    fn months(n: u32) -> Vec<NaiveDate> {
        (0..n)
            .map(|i| {
                NaiveDate::from_ymd_opt(2025 + ((i + 10) / 12) as i32, (i + 10) % 12 + 1, 1)
                    .unwrap()
            })
            .collect()
    }

    fn words() -> Words<'static> {
        Words {
            title: "Registrations per month",
            description: "Registrations created each month, by status.",
            empty: "No registrations in this period yet",
            format: num,
        }
    }

    #[test]
    fn columns_stack_in_proportion_to_their_values() {
        let months = months(3);
        let series = [
            Series::new("Approved", Colour::Green),
            Series::new("Rejected <&> cancelled", Colour::Red),
        ];
        let values = [vec![4.0, 0.0, 2.0], vec![1.0, 3.0, 2.0]];
        let svg = monthly(&Monthly {
            words: words(),
            months: &months,
            series: &series,
            values: &values,
            whole: true,
        });
        check::well_formed(&svg);
        check::accessible(&svg, "Registrations per month");
        // Five segments (a zero draws nothing), each as tall as its value.
        let bars = check::bars(&svg);
        assert_eq!(bars.len(), 5);
        let unit = bars[0].3 / 4.0;
        for ((_, _, _, h), v) in bars.iter().zip([4.0, 1.0, 3.0, 2.0, 2.0]) {
            assert!((h - v * unit).abs() < 0.02, "{h} for {v}");
        }
        // Stacked: the second segment sits on the first; one column per month, left to right.
        assert!((bars[1].1 + bars[1].3 - bars[0].1).abs() < 0.02);
        assert!(bars[0].0 == bars[1].0 && bars[1].0 < bars[2].0 && bars[2].0 < bars[3].0);
        // Labels: months, the year under the first, the legend's words escaped.
        assert!(svg.contains(">Nov</text>") && svg.contains(">2025</text>"));
        assert!(svg.contains(">Jan</text>") && svg.contains(">2026</text>"));
        assert_eq!(svg.matches(">2025</text>").count(), 1);
        assert!(svg.contains("Rejected &lt;&amp;&gt; cancelled"));
        assert!(svg.contains("<title>Nov 2025 Approved: 4</title>"));
    }

    #[test]
    fn the_axis_reads_in_the_values_format() {
        let months = months(2);
        let series = [Series::new("Fees", Colour::Blue)];
        let values = [vec![150_000.0, 920_000.0]];
        let svg = monthly(&Monthly {
            words: Words {
                format: |cents| format!("R{}", cents / 100.0),
                ..words()
            },
            months: &months,
            series: &series,
            values: &values,
            whole: false,
        });
        check::well_formed(&svg);
        assert!(svg.contains(">R10000</text>"), "{svg}");
        // One series: no legend.
        assert!(!svg.contains(">Fees</text>"));
        let bars = check::bars(&svg);
        assert!((bars[1].3 / bars[0].3 - 920.0 / 150.0).abs() < 0.001);
    }

    #[test]
    fn a_december_first_leaves_the_year_to_january() {
        let months: Vec<NaiveDate> = (0..13)
            .map(|i| NaiveDate::from_ymd_opt(2025, 12, 1).unwrap() + chrono::Months::new(i))
            .collect();
        let series = [Series::new("All", Colour::Blue)];
        let values = [vec![1.0; 13]];
        let svg = monthly(&Monthly {
            words: words(),
            months: &months,
            series: &series,
            values: &values,
            whole: true,
        });
        assert!(!svg.contains(">2025</text>"));
        assert_eq!(svg.matches(">2026</text>").count(), 1);
    }

    #[test]
    fn many_months_are_labelled_every_third() {
        let months = months(36);
        let series = [Series::new("All", Colour::Blue)];
        let values = [vec![1.0; 36]];
        let svg = monthly(&Monthly {
            words: words(),
            months: &months,
            series: &series,
            values: &values,
            whole: true,
        });
        check::well_formed(&svg);
        assert_eq!(check::bars(&svg).len(), 36);
        assert_eq!(svg.matches(">Nov</text>").count(), 3);
        assert_eq!(svg.matches(">Dec</text>").count(), 0);
        // Each year named once, under its first label.
        for year in ["2025", "2026", "2027", "2028"] {
            assert_eq!(svg.matches(&format!(">{year}</text>")).count(), 1, "{year}");
        }
    }

    #[test]
    fn no_data_is_the_empty_state() {
        let months = months(13);
        let series = [Series::new("All", Colour::Blue)];
        for values in [vec![vec![0.0; 13]], vec![]] {
            let svg = monthly(&Monthly {
                words: words(),
                months: &months,
                series: &series,
                values: &values,
                whole: true,
            });
            check::well_formed(&svg);
            check::accessible(&svg, "Registrations per month");
            assert!(svg.contains("No registrations in this period yet"));
            assert!(check::bars(&svg).is_empty());
        }
    }
}

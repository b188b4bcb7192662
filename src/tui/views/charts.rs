//! Downloads per hour and per day as bar charts with labelled axes (UTC), for everything on the
//! Downloads screen and for the selected package on the Packages screen.
//!
//! The time labels are drawn here rather than by the chart: ratatui spreads its labels evenly
//! whatever they say, and these must sit under the hour or day they name.

use super::style::{accent, bold, dim};
use crate::domain::time::utc_day;
use crate::service::timeline::{DAYS_KEPT, HOURS_KEPT, Timeline};
use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph};

/// Hours shown when the full two days would not give each hour a column of its own.
const HOURS_NARROW: usize = 24;
/// Days shown when 30 would not fit a column each.
const DAYS_NARROW: usize = 14;
/// Width of every time label: `18:00`, `06-14`.
const LABEL_WIDTH: usize = 5;
/// The y labels' column, wide enough for the "UTC" written under it.
const MIN_Y_LABEL_WIDTH: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Hours,
    Days,
}

/// Rows the two charts take stacked in a pane of this height: taller charts on a tall screen,
/// and on a short one a row less each so the pane above keeps a few rows.
pub fn stacked_height(pane_height: u16) -> u16 {
    match pane_height >= 30 {
        true => 2 * chart_height(pane_height),
        false => 2 * (chart_height(pane_height) - 1),
    }
}

/// Rows one chart takes: a bordered plot of 5 or 9 rows (odd, so the middle count label sits
/// on a row of its own), the axis line and the time labels.
pub fn chart_height(screen_height: u16) -> u16 {
    match screen_height >= 30 {
        true => 13,
        false => 9,
    }
}

/// Per hour and per day charts of `timeline`, side by side or one above the other.
pub fn pair(frame: &mut Frame, area: Rect, subject: &str, timeline: &Timeline, side: bool) {
    let [hours, days] = match side {
        true => Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(area),
        false => Layout::vertical([Constraint::Fill(1), Constraint::Fill(1)]).areas(area),
    };
    chart(frame, hours, subject, timeline, Unit::Hours);
    chart(frame, days, subject, timeline, Unit::Days);
}

/// How one chart is laid out: its count axis and how many buckets fit beside it.
struct Plan {
    /// The count at the top of the y axis.
    top: u64,
    /// The y labels, bottom first, padded to one width.
    y_labels: Vec<String>,
    /// Columns right of the y axis.
    width: usize,
    /// Buckets shown: all kept where each gets a column, else the most recent few.
    shown: usize,
    /// Index into the timeline's buckets of the first one shown.
    first: usize,
}

fn plan(area: Rect, all: &[u64], unit: Unit) -> Plan {
    let top = nice_top(all.iter().copied().max().unwrap_or(0));
    let ticks = y_ticks(top, area.height);
    let y_width = ticks
        .iter()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(0)
        .max(MIN_Y_LABEL_WIDTH);
    let width = usize::from(area.width.saturating_sub(2)).saturating_sub(y_width + 1);
    let shown = match unit {
        Unit::Hours if width >= HOURS_KEPT => HOURS_KEPT,
        Unit::Hours => HOURS_NARROW,
        Unit::Days if width >= DAYS_KEPT => DAYS_KEPT,
        Unit::Days => DAYS_NARROW,
    };
    Plan {
        top,
        y_labels: ticks.iter().map(|v| format!("{v:>y_width$}")).collect(),
        width,
        shown,
        first: all.len().saturating_sub(shown),
    }
}

fn chart(frame: &mut Frame, area: Rect, subject: &str, timeline: &Timeline, unit: Unit) {
    let all = match unit {
        Unit::Hours => &timeline.per_hour,
        Unit::Days => &timeline.per_day,
    };
    let plan = plan(area, all, unit);
    let counts = &all[plan.first..];
    let (shown, total) = (plan.shown, counts.iter().sum::<u64>());
    let title = match unit {
        Unit::Hours => format!(" {subject} per hour, {shown} hours: {total} "),
        Unit::Days => format!(" {subject} per day, {shown} days: {total} "),
    };
    let block = Block::bordered().title(Span::styled(title, bold()));
    if total == 0 {
        let text = match unit {
            Unit::Hours => format!("No downloads in the last {shown} hours."),
            Unit::Days => format!("No downloads in the last {shown} days."),
        };
        frame.render_widget(Paragraph::new(Span::styled(text, dim())).block(block), area);
        return;
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // Too small for a plot, an axis and labels: the title above still says the total.
    if inner.height >= 4 && plan.width >= counts.len() {
        plot(frame, inner, counts, &plan);
        let labels = time_labels(timeline, unit, plan.first, counts.len(), plan.width);
        let row = Rect::new(inner.x, inner.bottom() - 1, inner.width, 1);
        let y_width = plan.y_labels.first().map_or(0, String::len);
        let line = format!("{:>y_width$} {labels}", "UTC");
        frame.render_widget(Paragraph::new(Span::styled(line, dim())), row);
    }
}

/// The bars and both axes; the x axis' labels are left blank for `time_labels` to fill.
fn plot(frame: &mut Frame, area: Rect, counts: &[u64], plan: &Plan) {
    let points = bars(counts, plan.width);
    let dataset = Dataset::default()
        .graph_type(GraphType::Bar)
        .marker(Marker::HalfBlock)
        .style(accent())
        .data(&points);
    let x_axis = Axis::default()
        .bounds([0.0, plan.width.saturating_sub(1) as f64])
        .labels(["", ""])
        .style(dim());
    let y_labels: Vec<Line> = plan
        .y_labels
        .iter()
        .map(|l| Line::from(l.clone()))
        .collect();
    let y_axis = Axis::default()
        .bounds([0.0, plan.top as f64])
        .labels(y_labels)
        .labels_alignment(Alignment::Right)
        .style(dim());
    let chart = Chart::new(vec![dataset]).x_axis(x_axis).y_axis(y_axis);
    frame.render_widget(chart, area);
}

/// The columns of bucket `index` when `buckets` share `width` columns: all equally wide,
/// flush right, where each gets two or more; otherwise spread over the whole width.
fn columns(index: usize, buckets: usize, width: usize) -> std::ops::Range<usize> {
    let slot = width / buckets;
    match slot {
        0 | 1 => index * width / buckets..(index + 1) * width / buckets,
        _ => {
            let start = width - slot * buckets + index * slot;
            start..start + slot
        }
    }
}

/// One point per column a bucket covers, so every hour or day is a bar of even height; a
/// column between bars when each has three or more.
fn bars(counts: &[u64], width: usize) -> Vec<(f64, f64)> {
    let gap = usize::from(width >= 3 * counts.len());
    let mut points = Vec::new();
    for (index, &count) in counts.iter().enumerate() {
        // A zero would still paint the bottom row.
        if count == 0 {
            continue;
        }
        let cols = columns(index, counts.len(), width);
        let end = cols.end.saturating_sub(gap).max(cols.start + 1);
        points.extend((cols.start..end).map(|c| (c as f64, count as f64)));
    }
    points
}

/// The label row under the plot: a time under the middle of each bar it names, as many as fit
/// with two spaces between. Hours on multiples of a step (midnight written as the date); days
/// counted back from today so today is always named. Placed from the right, where the newest
/// bars are, so those keep their labels.
fn time_labels(
    timeline: &Timeline,
    span: Unit,
    first: usize,
    shown: usize,
    width: usize,
) -> String {
    let per_bucket = width as f64 / shown as f64;
    let steps: &[usize] = match span {
        Unit::Hours => &[1, 2, 3, 4, 6, 12, 24],
        Unit::Days => &[1, 2, 3, 5, 7, 10, 15],
    };
    let step = steps
        .iter()
        .copied()
        .find(|&s| s as f64 * per_bucket >= (LABEL_WIDTH + 2) as f64)
        .unwrap_or(shown);
    let mut row = vec![' '; width];
    let mut free_until = width;
    for index in (0..shown).rev() {
        let (text, named) = match span {
            Unit::Hours => hour_label(timeline.hour_at(first + index), step),
            Unit::Days => {
                let day = utc_day(timeline.day_at(first + index));
                (
                    day.get(5..).unwrap_or(&day).to_string(),
                    (shown - 1 - index).is_multiple_of(step),
                )
            }
        };
        let cols = columns(index, shown, width);
        let middle = (cols.start + cols.end) / 2;
        // At the right edge a label moves left rather than lose its last characters.
        let start = middle
            .saturating_sub(LABEL_WIDTH / 2)
            .min(width.saturating_sub(LABEL_WIDTH));
        if !named || start + LABEL_WIDTH > free_until {
            continue;
        }
        row.splice(start..start + LABEL_WIDTH, text.chars());
        free_until = start.saturating_sub(2);
    }
    row.into_iter().collect()
}

/// `18:00` for an hour on a multiple of `step`, `06-14` for a midnight.
fn hour_label(at: i64, step: usize) -> (String, bool) {
    let hour = at.rem_euclid(86_400) / 3_600;
    let text = match hour {
        0 => utc_day(at).get(5..).unwrap_or_default().to_string(),
        _ => format!("{hour:02}:00"),
    };
    (text, (hour as usize).is_multiple_of(step))
}

/// The y axis' top: the peak rounded up to 2, 4, 6, 8 or 10 times a power of ten, so the
/// middle label is a whole count too.
fn nice_top(peak: u64) -> u64 {
    let mut scale = 1;
    loop {
        for m in [2, 4, 6, 8, 10] {
            if peak <= m * scale {
                return m * scale;
            }
        }
        scale *= 10;
    }
}

/// Counts labelled on the y axis: the middle one only where it falls on a row of its own.
fn y_ticks(top: u64, chart_height: u16) -> Vec<u64> {
    // The plot's rows: the chart's height less borders, the axis line and the labels.
    let plot = chart_height.saturating_sub(4);
    match plot % 2 {
        1 => vec![0, top / 2, top],
        _ => vec![0, top],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_top_of_the_count_axis_is_a_round_number_with_a_whole_middle() {
        assert_eq!(nice_top(0), 2);
        assert_eq!(nice_top(7), 8);
        assert_eq!(nice_top(9), 10);
        assert_eq!(nice_top(37), 40);
        assert_eq!(nice_top(144), 200);
        assert_eq!(nice_top(1_000), 1_000);
    }

    #[test]
    fn hour_labels_sit_under_their_hour_and_never_touch() {
        let timeline = Timeline::new(1_750_000_000 * 1_000_000); // 2025-06-15 15:06:40 UTC
        let row = time_labels(&timeline, Unit::Hours, 24, 24, 34);
        // 24 hours from 16:00 yesterday: labels every 6 hours, midnight named by its date.
        assert_eq!(
            row.split_whitespace().collect::<Vec<_>>(),
            ["18:00", "06-15", "06:00", "12:00"]
        );
        let at = |label: &str| row.find(label).unwrap();
        // 18:00 is the third hour shown (16, 17, 18): its bar starts at column 2 * 34 / 24 = 2.
        assert_eq!(at("18:00"), 1);
        assert!(at("06-15") > at("18:00") + LABEL_WIDTH);
    }

    #[test]
    fn day_labels_always_name_today_at_the_right_edge() {
        let timeline = Timeline::new(1_750_000_000 * 1_000_000);
        let row = time_labels(&timeline, Unit::Days, 0, 30, 56);
        assert!(row.trim_end().ends_with("06-15"), "{row}");
        // Every fifth day back from today, each under its own day's bar.
        assert_eq!(row.split_whitespace().count(), 6, "{row}");
        // 06-10 is the 25th day: columns 44 and 45, so centred from column 43.
        assert_eq!(row.find("06-10"), Some(43));
    }
}

//! Downloads per hour and per day: the charts on the Downloads screen (everything) and on the
//! Packages screen (the selected package), from a working-week shape, and their growth with
//! live downloads.

use super::{NOW, draw, event, feed, fixture, key};
use crate::domain::records::DownloadKind;
use crate::service::changes::ChangeEvent;
use crate::service::timeline::Timeline;
use crate::tui::model::{Model, Tab};
use crate::tui::update::update;
use ratatui::crossterm::event::KeyCode;

/// Busy in European office hours, quiet at night; weekdays busier than weekends; `scale`
/// tells packages apart.
fn office_hours(scale: u64) -> Timeline {
    const BY_HOUR: [u64; 24] = [
        0, 0, 0, 0, 0, 1, 2, 4, 7, 9, 12, 10, 6, 8, 11, 9, 6, 4, 2, 1, 1, 0, 0, 0,
    ];
    let mut timeline = Timeline::new(NOW * 1_000_000);
    for index in 0..timeline.per_hour.len() {
        let hour = timeline.hour_at(index).rem_euclid(86_400) / 3_600;
        timeline.per_hour[index] = BY_HOUR[hour as usize] * scale;
    }
    for index in 0..timeline.per_day.len() {
        // Counting Monday as 0, 1970-01-01 (a Thursday) is 3; 5 and 6 are the weekend.
        let weekday = (timeline.day_at(index) / 86_400 + 3) % 7;
        let busy = if weekday >= 5 { 5 } else { 30 + index as u64 };
        timeline.per_day[index] = busy * scale;
    }
    timeline
}

/// A month of traffic behind the fixture's report, so every screen shows charts with a shape.
pub(super) fn add_traffic(model: &mut Model) {
    let report = &mut model.data.report;
    report.timeline = office_hours(3);
    report.packages[0].timeline = office_hours(2);
    report.packages[1].timeline = office_hours(1);
}

fn on(tab: Tab) -> Model {
    let mut model = fixture();
    update(
        &mut model,
        key(KeyCode::Char(char::from(b'1' + tab.index() as u8))),
    );
    model
}

// With traffic, the Downloads and Packages screens' own snapshots show the charts.

#[test]
fn without_downloads_the_downloads_screen_says_so_instead_of_empty_charts() {
    let mut model = on(Tab::Downloads);
    model.data.report.timeline = Timeline::default();
    insta::assert_snapshot!("downloads_no_traffic_80x24", draw(&model, 80, 24));
    insta::assert_snapshot!("downloads_no_traffic_120x40", draw(&model, 120, 40));
}

#[test]
fn the_second_package_selected_shows_its_own_charts() {
    let mut model = on(Tab::Packages);
    update(&mut model, key(KeyCode::Down));
    insta::assert_snapshot!("second_package_charts_80x24", draw(&model, 80, 24));
    insta::assert_snapshot!("second_package_charts_120x40", draw(&model, 120, 40));
}

#[test]
fn a_package_without_downloads_says_so_instead_of_an_empty_chart() {
    let mut model = on(Tab::Packages);
    model.data.report.packages.clear();
    insta::assert_snapshot!("package_charts_empty_80x24", draw(&model, 80, 24));
    insta::assert_snapshot!("package_charts_empty_120x40", draw(&model, 120, 40));
}

#[test]
fn the_charts_follow_the_selected_package() {
    let mut model = on(Tab::Packages);
    let payments = draw(&model, 120, 40);
    update(&mut model, key(KeyCode::Down));
    let shipping = draw(&model, 120, 40);
    assert_ne!(payments, shipping);
    // Twice the traffic: up to 118 a day against 59, so the day axis tops out at 200 against 60.
    assert!(payments.contains("200│") && !payments.contains(" 60│"));
    assert!(shipping.contains(" 60│") && !shipping.contains("200│"));
}

#[test]
fn a_live_download_grows_the_current_hour_and_day_overall_and_for_its_package() {
    let mut model = fixture();
    let hour = *model.data.report.timeline.per_hour.last().unwrap();
    let day = *model.data.report.timeline.per_day.last().unwrap();
    let package = *model.data.report.packages[1]
        .timeline
        .per_hour
        .last()
        .unwrap();
    let recorded = ChangeEvent::DownloadsRecorded {
        events: vec![event(
            0,
            DownloadKind::Dist,
            "acme/shipping",
            "1.4.2",
            "192.0.2.1",
        )],
    };
    update(&mut model, feed(recorded));
    let report = &model.data.report;
    assert_eq!(*report.timeline.per_hour.last().unwrap(), hour + 1);
    assert_eq!(*report.timeline.per_day.last().unwrap(), day + 1);
    assert_eq!(
        *report.packages[1].timeline.per_hour.last().unwrap(),
        package + 1
    );
}

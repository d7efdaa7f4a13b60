//! Batch input, plain lines and CSV (the first byte picks), read and planned as
//! `cpis batch` does.
#![no_main]
use cpis::app::batch;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, input)) = data.split_first() else {
        return;
    };
    let column = (first & 1 == 1).then_some("nhs_number");
    let Ok(rows) = batch::read_rows(input, column) else {
        return;
    };
    let plans = batch::plan_rows(&rows);
    assert_eq!(plans.len(), rows.len());
    let mut last = 0;
    for r in &rows {
        assert!(r.line >= 1 && r.line >= last, "lines go forward: {rows:?}");
        last = r.line;
    }
});

//! What the `cpis` tool and its sandbox share, and nothing else: NHS numbers, time,
//! neutralising text that came from elsewhere, and a defensive XML reader and writer.

pub mod nhs_number;
pub mod sanitize;
pub mod timeutil;
pub mod xml;

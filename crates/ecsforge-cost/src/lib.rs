//! `ecsforge-cost`: the monthly cost of an `InfraModel`, line by line.
//!
//! * [`estimate`] prices every resource the model holds, one [`Line`] per
//!   resource and unit (vCPU-hours, GB-hours, AZ-hours, GB processed, …),
//!   the way infracost breaks a bill down. A value the model does not know
//!   (an `Unknown` from a plan, a missing task definition, a type the price
//!   table lacks) gives a line that says so and is left out of the total;
//!   nothing is guessed silently.
//! * [`prices`] is the price table: a bundled JSON file, stamped with its
//!   source and date, or a user's file in the same format.
//! * [`usage`] holds the usage assumptions (GB through NAT, log GB, LCUs …);
//!   every default an estimate used is listed in [`Estimate::defaults`].
//! * [`egress`] compares the three egress designs; [`diff`] compares two
//!   estimates; [`render`] turns results into text, JSON-ready values and
//!   Markdown.
//!
//! # Architecture invariant
//! Pure: no IO, no clock, no environment. The caller passes models, prices
//! and usage; ordering follows the model's `BTreeMap`, so output is
//! deterministic.

pub mod diff;
pub mod egress;
pub mod estimate;
pub mod prices;
pub mod render;
pub mod usage;

pub use estimate::{CostError, Estimate, Line, Unpriced, estimate, split};
pub use prices::Prices;
pub use usage::{DefaultUsed, Usage};

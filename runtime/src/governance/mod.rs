//! Verity's governance pieces that FRAME leaves to the runtime: the custom origins of its tracks
//! ([`origins`]) and the tracks themselves ([`tracks`]). The pallets' configuration is in
//! [`crate::configs::governance`].

pub mod origins;
pub mod tracks;

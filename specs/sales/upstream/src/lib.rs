//! The sales example's upstream (work in progress).

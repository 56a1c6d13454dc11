//! Pure analysis of a transcribed answer: timing, fillers, STAR structure.
//! Values in, values out: no I/O, no clocks.

pub mod text;

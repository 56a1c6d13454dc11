//! Playing the spoken question through a cpal output device, piece by piece
//! as the voice makes them, and knowing (from the output timestamps) when its
//! last sample was actually heard.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};

use super::device::{find_device, is_lost};
use super::{AudioError, Clip, resample};

/// What playback reports.
#[derive(Debug, Clone, Copy)]
pub struct Played {
    /// When the last sample reached the listener's ears (per the stream's latency).
    pub heard_end: Instant,
    /// Length of what was played.
    pub duration_s: f64,
    /// Whether playback was cut short.
    pub cancelled: bool,
}

/// Seconds of output the ring between the feeding thread and the callback holds.
const RING_S: usize = 2;

/// Frames of a piece converted to the device's rate at a time.
const CONVERT_FRAMES: usize = 4096;

/// How long the output may go without taking a sample before it counts as
/// stalled (pieces still to come are being made well under that).
const STALL: Duration = Duration::from_secs(5);

/// Plays `clip` and returns once the last sample has been heard, or once
/// `cancel` is set.
pub fn play(clip: &Clip, device: Option<&str>, cancel: &AtomicBool) -> Result<Played, AudioError> {
    if clip.samples.is_empty() {
        // Nothing audible (a clip of silence, trimmed): heard at once.
        return Ok(Played {
            heard_end: Instant::now(),
            duration_s: 0.0,
            cancelled: false,
        });
    }
    let (pieces, feed) = std::sync::mpsc::channel();
    let _ = pieces.send(clip.clone());
    drop(pieces);
    play_pieces(&feed, device, cancel)
}

/// Plays the clips that arrive on `pieces`, back to back, as they arrive, so
/// the first plays while the rest are made; returns once the last sample of
/// the last piece has been heard (the channel has closed and everything in
/// it played), or once `cancel` is set. The device opens while the first
/// piece is made. Nothing arriving at all is heard at once.
pub fn play_pieces(
    pieces: &Receiver<Clip>,
    device: Option<&str>,
    cancel: &AtomicBool,
) -> Result<Played, AudioError> {
    let device = super::without_stderr(|| {
        let host = cpal::default_host();
        find_device(&host, device, false)
    })?;
    let supported = device
        .default_output_config()
        .map_err(|e| AudioError::Device(format!("the output device has no usable format: {e}")))?;
    if supported.sample_format() != cpal::SampleFormat::F32 {
        return Err(AudioError::Device(format!(
            "the output device wants {} samples; rehearse plays f32 only",
            supported.sample_format()
        )));
    }
    let config: cpal::StreamConfig = supported.config();
    let channels = usize::from(config.channels.max(1));
    let rate = f64::from(config.sample_rate);
    let (mut ring_in, mut ring_out) =
        rtrb::RingBuffer::<f32>::new(RING_S * config.sample_rate as usize * channels);
    let base = Instant::now();
    // Samples the callback has taken, and when (nanoseconds after `base`) the
    // last of them reaches the listener: with the total fed, that is the end.
    let taken = Arc::new(AtomicUsize::new(0));
    let last_heard_ns = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicBool::new(false));
    let (taken_cb, heard_cb, fail_flag) = (taken.clone(), last_heard_ns.clone(), failed.clone());
    let mut taken_total = 0usize;
    let callback = move |out: &mut [f32], info: &cpal::OutputCallbackInfo| {
        // Realtime: copy what the ring holds, silence for the rest; no
        // allocation, no locks.
        let n = out.len().min(ring_out.slots());
        if let Ok(chunk) = ring_out.read_chunk(n) {
            let (a, b) = chunk.as_slices();
            out[..a.len()].copy_from_slice(a);
            out[a.len()..n].copy_from_slice(b);
            chunk.commit_all();
        }
        out[n..].fill(0.0);
        if n > 0 {
            taken_total += n;
            let ts = info.timestamp();
            let latency = ts.playback.duration_since(ts.callback);
            let offset = Duration::from_secs_f64((n / channels) as f64 / rate);
            let heard = base.elapsed() + latency + offset;
            heard_cb.store(heard.as_nanos() as u64, Ordering::Relaxed);
            taken_cb.store(taken_total, Ordering::Release);
        }
    };
    let stream = device
        .build_output_stream::<f32, _, _>(
            config,
            callback,
            // Underruns and transient backend errors (the pulse ALSA plugin
            // reports EIO from snd_pcm_avail_delay now and then) are glitches;
            // a stalled stream is caught by the deadline below.
            move |err: cpal::Error| {
                if is_lost(&err) {
                    fail_flag.store(true, Ordering::Relaxed);
                }
            },
            None,
        )
        .map_err(|e| AudioError::Device(e.to_string()))?;
    stream
        .play()
        .map_err(|e| AudioError::Device(e.to_string()))?;
    // The stream plays silence until the first piece is here.
    let first = loop {
        if cancel.load(Ordering::Relaxed) {
            return Ok(Played {
                heard_end: Instant::now(),
                duration_s: 0.0,
                cancelled: true,
            });
        }
        match pieces.recv_timeout(Duration::from_millis(5)) {
            Ok(clip) if clip.samples.is_empty() => continue,
            Ok(clip) => break clip,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                // Nothing audible (a clip of silence, trimmed): heard at once.
                return Ok(Played {
                    heard_end: Instant::now(),
                    duration_s: 0.0,
                    cancelled: false,
                });
            }
        }
    };
    // One resampler across the pieces, so their joins are seamless.
    let mut resampler = resample::To16k::between(first.rate, config.sample_rate)?;
    let mut converted: Vec<f32> = Vec::new();
    let mut interleaved: VecDeque<f32> = VecDeque::new();
    let mut unconverted: VecDeque<f32> = VecDeque::new();
    let mut fed = 0usize;
    let mut next = Some(first);
    // `open`: more pieces may come; `flushed`: the resampler's tail is out.
    let (mut open, mut flushed) = (true, false);
    let mut progress = (0usize, Instant::now());
    let cancelled = loop {
        if cancel.load(Ordering::Relaxed) {
            break true;
        }
        if failed.load(Ordering::Relaxed) {
            return Err(AudioError::DeviceLost);
        }
        let mut worked = false;
        if let Some(clip) = next.take() {
            unconverted.extend(clip.samples);
        }
        // Convert a little at a time, so the first samples play at once.
        if interleaved.len() < ring_in.slots() && !unconverted.is_empty() {
            let take = unconverted.len().min(CONVERT_FRAMES);
            let slice: Vec<f32> = unconverted.drain(..take).collect();
            converted.clear();
            resampler.push(&slice, &mut converted)?;
            interleave(&converted, channels, &mut interleaved);
            worked = true;
        }
        if !open && !flushed && unconverted.is_empty() {
            converted.clear();
            resampler.finish(&mut converted)?;
            interleave(&converted, channels, &mut interleaved);
            flushed = true;
        }
        // Feed the ring what fits.
        let room = ring_in.slots().min(interleaved.len());
        if room > 0
            && let Ok(mut chunk) = ring_in.write_chunk_uninit(room)
        {
            let (a, b) = chunk.as_mut_slices();
            for slot in a.iter_mut().chain(b.iter_mut()) {
                slot.write(interleaved.pop_front().unwrap_or(0.0));
            }
            // SAFETY: every slot of the chunk was written just above.
            unsafe { chunk.commit_all() };
            fed += room;
            worked = true;
        }
        let played = taken.load(Ordering::Acquire);
        if flushed && interleaved.is_empty() && played >= fed {
            break false;
        }
        if played != progress.0 || played >= fed {
            // Moving, or waiting for the next piece rather than for the device.
            progress = (played, Instant::now());
        } else if progress.1.elapsed() > STALL {
            return Err(AudioError::Device(
                "the output device stopped playing".into(),
            ));
        }
        // Never spin: this thread shares two cores with the sound server and
        // the device's callback, and a starved server underruns.
        if open {
            let wait = if worked {
                Duration::ZERO
            } else {
                Duration::from_millis(5)
            };
            match pieces.recv_timeout(wait) {
                Ok(clip) => next = Some(clip),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => open = false,
            }
        } else if !worked {
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    let duration_s = fed as f64 / channels as f64 / rate;
    if cancelled {
        drop(stream);
        return Ok(Played {
            heard_end: Instant::now(),
            duration_s,
            cancelled: true,
        });
    }
    let heard_end = base + Duration::from_nanos(last_heard_ns.load(Ordering::Relaxed));
    if let Some(wait) = heard_end.checked_duration_since(Instant::now()) {
        std::thread::sleep(wait);
    }
    Ok(Played {
        heard_end,
        duration_s,
        cancelled: false,
    })
}

/// Appends each mono sample to `out` once per channel.
fn interleave(mono: &[f32], channels: usize, out: &mut VecDeque<f32>) {
    for s in mono {
        out.extend(std::iter::repeat_n(*s, channels));
    }
}

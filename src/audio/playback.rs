//! Playing the spoken question through a cpal output device, and knowing
//! (from the output timestamps) when its last sample was actually heard.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use cpal::traits::{DeviceTrait, StreamTrait};

use super::device::{find_device, is_lost};
use super::{AudioError, Clip, resample};

type OutputCallback = dyn FnMut(&mut [f32], &cpal::OutputCallbackInfo) + Send;

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
    let device = super::without_stderr(|| {
        let host = cpal::default_host();
        find_device(&host, device, false)
    })?;
    let supported = device
        .default_output_config()
        .map_err(|e| AudioError::Device(format!("the output device has no usable format: {e}")))?;
    let config: cpal::StreamConfig = supported.config();
    let channels = usize::from(config.channels.max(1));
    let converted = resample::convert(clip, config.sample_rate)?;
    // Interleave before the stream starts: the callback only copies.
    let mut interleaved = Vec::with_capacity(converted.samples.len() * channels);
    for s in &converted.samples {
        interleaved.extend(std::iter::repeat_n(*s, channels));
    }
    let frames_total = converted.samples.len();
    let samples: Arc<[f32]> = interleaved.into();
    let base = Instant::now();
    // Nanoseconds after `base` when the last sample is heard; u64::MAX until known.
    let heard_end_ns = Arc::new(AtomicU64::new(u64::MAX));
    let failed = Arc::new(AtomicBool::new(false));
    let (end_ns, fail_flag) = (heard_end_ns.clone(), failed.clone());
    let rate = f64::from(config.sample_rate);
    let mut pos = 0usize;
    let data = samples.clone();
    let build = |cb: Box<OutputCallback>| {
        device.build_output_stream::<f32, _, _>(
            config,
            cb,
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
    };
    let stream = match supported.sample_format() {
        cpal::SampleFormat::F32 => build(Box::new(
            move |out: &mut [f32], info: &cpal::OutputCallbackInfo| {
                // Realtime: copy from the pre-built buffer; no allocation, no locks.
                let n = out.len().min(data.len() - pos);
                out[..n].copy_from_slice(&data[pos..pos + n]);
                out[n..].fill(0.0);
                if n > 0 {
                    pos += n;
                    if pos == data.len() {
                        let ts = info.timestamp();
                        let latency = ts.playback.duration_since(ts.callback);
                        let offset = Duration::from_secs_f64((n / channels) as f64 / rate);
                        let heard = base.elapsed() + latency + offset;
                        end_ns.store(heard.as_nanos() as u64, Ordering::Relaxed);
                    }
                }
            },
        )),
        other => {
            return Err(AudioError::Device(format!(
                "the output device wants {other} samples; rehearse plays f32 only"
            )));
        }
    }
    .map_err(|e| AudioError::Device(e.to_string()))?;
    stream
        .play()
        .map_err(|e| AudioError::Device(e.to_string()))?;
    let duration_s = frames_total as f64 / rate;
    let deadline = Instant::now() + Duration::from_secs_f64(duration_s + 5.0);
    loop {
        if cancel.load(Ordering::Relaxed) {
            break;
        }
        if failed.load(Ordering::Relaxed) {
            return Err(AudioError::DeviceLost);
        }
        let ns = heard_end_ns.load(Ordering::Relaxed);
        if ns != u64::MAX {
            let heard_end = base + Duration::from_nanos(ns);
            if let Some(wait) = heard_end.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            return Ok(Played {
                heard_end,
                duration_s,
                cancelled: false,
            });
        }
        if Instant::now() > deadline {
            return Err(AudioError::Device(
                "the output device stopped playing".into(),
            ));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    drop(stream);
    Ok(Played {
        heard_end: Instant::now(),
        duration_s,
        cancelled: true,
    })
}

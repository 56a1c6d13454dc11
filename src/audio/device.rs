//! Finding sound devices: by (part of) their name or the system default,
//! and telling a device that is gone from a passing glitch. Shared by
//! capture and playback.

use cpal::traits::{DeviceTrait, HostTrait};

use super::AudioError;

/// Finds a device by (part of) its name, or the default one.
pub fn find_device(
    host: &cpal::Host,
    name: Option<&str>,
    input: bool,
) -> Result<cpal::Device, AudioError> {
    let kind = if input { "input" } else { "output" };
    let no_device = || AudioError::NoDevice {
        kind,
        wanted: name.map(str::to_string),
    };
    match name {
        None => if input {
            host.default_input_device()
        } else {
            host.default_output_device()
        }
        .ok_or_else(no_device),
        Some(wanted) => {
            let devices = if input {
                host.input_devices()
            } else {
                host.output_devices()
            };
            let devices = devices.map_err(|e| AudioError::Device(e.to_string()))?;
            let wanted_lower = wanted.to_lowercase();
            devices
                .into_iter()
                .find(|d| device_name(d).to_lowercase().contains(&wanted_lower))
                .ok_or_else(no_device)
        }
    }
}

/// A device's display name.
pub fn device_name(d: &cpal::Device) -> String {
    d.description()
        .map(|desc| desc.name().to_string())
        .unwrap_or_else(|_| "unknown".into())
}

/// Whether a stream error means the device is gone (not a passing glitch).
pub fn is_lost(err: &cpal::Error) -> bool {
    matches!(
        err.kind(),
        cpal::ErrorKind::DeviceNotAvailable
            | cpal::ErrorKind::StreamInvalidated
            | cpal::ErrorKind::DeviceChanged
    )
}

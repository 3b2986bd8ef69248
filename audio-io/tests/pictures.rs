//! Pictures: colormap tables, PNG encoding, and no panics on odd sizes or
//! degenerate axes.

use audio_io::picture::{
    specshow, waveform, Colormap, FrequencyAxis, SpecshowOptions, WaveformOptions,
};
use ndarray::Array2;

#[test]
fn colormap_endpoints_are_matplotlibs() {
    // matplotlib: viridis(0) = #440154, viridis(1) = #fde725, magma(0) = #000004, magma(1) = #fcfdbf.
    assert_eq!(Colormap::Viridis.color(0.0), [0x44, 0x01, 0x54]);
    assert_eq!(Colormap::Viridis.color(1.0), [0xfd, 0xe7, 0x25]);
    assert_eq!(Colormap::Magma.color(0.0), [0x00, 0x00, 0x04]);
    assert_eq!(Colormap::Magma.color(1.0), [0xfc, 0xfd, 0xbf]);
    assert_eq!(Colormap::Gray.color(f32::NAN), [0, 0, 0]);
}

#[test]
fn png_round_trips_the_pixels() {
    let spec = Array2::from_shape_fn((10, 20), |(f, t)| (f * t) as f32);
    let img = specshow(
        &spec,
        &SpecshowOptions {
            axes: false,
            width: 20,
            height: 10,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!((img.width, img.height), (20, 10));
    // Top-left pixel is the highest bin of frame 0 (value 0 → first colour);
    // bottom-right is bin 0 → also 0; top-right is the maximum.
    assert_eq!(&img.rgb[0..3], &Colormap::Magma.color(0.0));
    let tr = 3 * 19;
    assert_eq!(&img.rgb[tr..tr + 3], &Colormap::Magma.color(1.0));
    let bytes = img.to_png_bytes().unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (20, 10));
    assert_eq!(&buf[..info.buffer_size()], &img.rgb[..]);
}

#[test]
fn odd_sizes_and_degenerate_axes_do_not_panic() {
    let spec = Array2::from_shape_fn((33, 7), |(f, t)| -((f + t) as f32));
    let axes = [
        FrequencyAxis::None,
        FrequencyAxis::Linear,
        FrequencyAxis::Mel {
            fmin: 0.0,
            fmax: 11025.0,
            htk: false,
        },
        FrequencyAxis::Mel {
            fmin: 100.0,
            fmax: f64::INFINITY,
            htk: true,
        },
        FrequencyAxis::Mel {
            fmin: 500.0,
            fmax: 100.0,
            htk: false,
        },
        FrequencyAxis::Cqt {
            fmin: 32.7,
            bins_per_octave: 12,
        },
        FrequencyAxis::Cqt {
            fmin: 0.0,
            bins_per_octave: 12,
        },
        FrequencyAxis::Cqt {
            fmin: 32.7,
            bins_per_octave: 0,
        },
    ];
    for axis in axes {
        for (w, h, s) in [(1, 1, 1), (3, 200, 4), (640, 2, 2), (50, 50, 9)] {
            for colorbar in [None, Some("dB".to_string())] {
                let img = specshow(
                    &spec,
                    &SpecshowOptions {
                        y_axis: axis,
                        width: w,
                        height: h,
                        font_scale: s,
                        colorbar,
                        ..Default::default()
                    },
                )
                .unwrap();
                assert_eq!(img.rgb.len(), 3 * img.width * img.height);
            }
        }
    }
    // Constant data, explicit bad range, empty data, zero sizes.
    let flat = Array2::<f32>::zeros((4, 4));
    assert!(specshow(&flat, &SpecshowOptions::default()).is_ok());
    assert!(specshow(
        &flat,
        &SpecshowOptions {
            vmin: Some(1.0),
            vmax: Some(0.0),
            ..Default::default()
        }
    )
    .is_err());
    assert!(specshow(&Array2::<f32>::zeros((0, 4)), &SpecshowOptions::default()).is_err());
    assert!(specshow(
        &flat,
        &SpecshowOptions {
            width: 0,
            ..Default::default()
        }
    )
    .is_err());
    let y = Array2::from_shape_fn((2, 5), |(c, t)| if c == 0 { t as f32 } else { f32::NAN });
    for (w, h) in [(1, 1), (7, 3), (1000, 40)] {
        assert!(waveform(
            &y,
            8000,
            &WaveformOptions {
                width: w,
                height: h,
                ..Default::default()
            }
        )
        .is_ok());
    }
    assert!(waveform(
        &Array2::<f32>::zeros((0, 5)),
        8000,
        &WaveformOptions::default()
    )
    .is_err());
}

/// Pictures gathered block by block (any block sizes, fewer samples or
/// frames than pixels, or many more) are the whole-array pictures, pixel
/// for pixel.
#[test]
fn pictures_gathered_in_blocks_equal_the_whole_array_pictures() {
    use audio_io::picture::{
        specshow, waveform, SpecshowColumns, SpecshowOptions, WaveformEnvelope, WaveformOptions,
    };
    for (n, width) in [(50usize, 300usize), (300, 300), (10_007, 97), (1, 5)] {
        let y = ndarray::Array2::from_shape_fn((2, n), |(c, t)| {
            ((t * 7 + c * 3) % 23) as f32 / 11.5 - 1.0
        });
        let opts = WaveformOptions {
            width,
            height: 30,
            ..WaveformOptions::default()
        };
        let whole = waveform(&y, 8000, &opts).unwrap();
        for block in [1usize, 3, 64, 5000] {
            let mut env = WaveformEnvelope::new(2, n, width).unwrap();
            for start in (0..n).step_by(block) {
                env.push(y.slice(ndarray::s![.., start..(start + block).min(n)]))
                    .unwrap();
            }
            assert_eq!(
                env.render(8000, &opts).unwrap(),
                whole,
                "{n} {width} {block}"
            );
        }
        let frames = n;
        let data = y.slice(ndarray::s![..1, ..]).to_owned();
        let sopts = SpecshowOptions {
            width,
            height: 20,
            ..SpecshowOptions::default()
        };
        let whole = specshow(&data, &sopts).unwrap();
        for block in [1usize, 5, 4096] {
            let mut cols = SpecshowColumns::new(1, frames, width).unwrap();
            for start in (0..frames).step_by(block) {
                cols.push(data.slice(ndarray::s![.., start..(start + block).min(frames)]))
                    .unwrap();
            }
            assert_eq!(cols.render(&sopts).unwrap(), whole, "{n} {width} {block}");
        }
    }
    // Too many samples, too few, or the wrong width are errors.
    let mut env = WaveformEnvelope::new(1, 10, 5).unwrap();
    assert!(env.push(ndarray::Array2::zeros((1, 11)).view()).is_err());
    env.push(ndarray::Array2::zeros((1, 4)).view()).unwrap();
    assert!(env
        .render(
            8000,
            &WaveformOptions {
                width: 5,
                ..Default::default()
            }
        )
        .is_err());
    let cols = SpecshowColumns::new(3, 10, 5).unwrap();
    assert!(cols
        .render(&SpecshowOptions {
            width: 6,
            ..Default::default()
        })
        .is_err());
}

//! Times one segment of an HTDemucs at the release's size (the
//! constructor's defaults, `dconv_mode=3`, `segment=Fraction(39, 5)`;
//! random weights): `RAYON_NUM_THREADS=1 cargo run --release -p
//! audio-models --example htdemucs_segment`. The criterion bench
//! (`--bench demucs -- htdemucs`) gives the figures the performance guide
//! compares with the package; this is the quick check.
use audio_models::demucs::{HybridConfig, HybridDemucsNet, HybridVersion};
use candle_core::{DType, Device, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = HybridConfig::new(
        HybridVersion::HTDemucs,
        ["drums", "bass", "other", "vocals"]
            .map(String::from)
            .to_vec(),
    );
    config.dconv_mode = 3;
    config.segment = 7.8;
    config.segment_ratio = Some((39, 5));
    let store = audio_nn::init::SeededVarMap::new(0);
    HybridDemucsNet::new(config.clone(), store.var_builder(DType::F32, &Device::Cpu))?;
    let net = HybridDemucsNet::new(config, store.plain_var_builder(DType::F32, &Device::Cpu))?;
    let x = Tensor::randn(0f32, 0.1, (1, 2, 343_980), &Device::Cpu)?;
    for _ in 0..2 {
        let t = std::time::Instant::now();
        let y = net.forward(&x)?;
        println!("{:?} in {:.2} s", y.dims(), t.elapsed().as_secs_f64());
    }
    Ok(())
}

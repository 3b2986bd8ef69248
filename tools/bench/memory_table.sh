#!/usr/bin/env bash
# Peak resident memory of the streaming commands on 1-, 10- and 60-minute
# 44.1 kHz stereo 16-bit WAVs (issue 24), as a Markdown table on stdout.
#
#   tools/bench/memory_table.sh target/release/audio /tmp/memory-inputs
#
# The inputs are rendered with sox (two plucked tones) when missing; each
# command runs as its own process with `--peak-memory` (Linux VmHWM) under
# /usr/bin/time for the wall time. Needs sox and about 1 GB of disk.
# ONLY=features runs only the analysis commands (the second table of the
# performance guide); ONLY=models only convert, transcribe and separate;
# ROWS=NAME,NAME runs only the rows whose name starts with one of them;
# ONLY=eval only `eval separation` (two sources: the plucks and a second
# sox input, estimated by 0.9/0.1 mixes of the two); ONLY=synth `resynth`
# and `vocode` with tiny DDSP and MelGAN runs trained first.
set -euo pipefail
audio=${1:?usage: memory_table.sh AUDIO_BINARY [DIR]}
dir=${2:-/tmp/memory-inputs}
mkdir -p "$dir"
for minutes in 1 10 60; do
    f="$dir/m$minutes.wav"
    [ -f "$f" ] || sox -n -r 44100 -c 2 -b 16 "$f" synth $((minutes * 60)) pluck C3 pluck E4 vol 0.5
done
run() {
    # run NAME ARGS... ; {in}, {base} (the input without .wav) and {out}
    # are replaced per input.
    local name=$1
    shift
    if [ -n "${ROWS:-}" ]; then
        local wanted=0 r
        IFS=, read -ra r <<<"$ROWS"
        for w in "${r[@]}"; do [[ "$name" == "$w"* ]] && wanted=1; done
        [ $wanted = 1 ] || return 0
    fi
    local row="| \`$name\` |"
    for minutes in 1 10 60; do
        local out="$dir/out-$minutes"
        rm -rf "$out" "$out".*
        local args=()
        for a in "$@"; do
            a=${a//\{in\}/$dir/m$minutes.wav}
            a=${a//\{base\}/$dir/m$minutes}
            args+=("${a//\{out\}/$out}")
        done
        local log
        log=$( { /usr/bin/time -f "wall %e" "$audio" --peak-memory "${args[@]}" >/dev/null; } 2>&1 )
        local mib wall
        mib=$(grep -o 'peak resident memory: [0-9.]*' <<<"$log" | grep -o '[0-9.]*$')
        wall=$(grep -o 'wall [0-9.]*' <<<"$log" | grep -o '[0-9.]*$')
        row+=" $mib MiB ($wall s) |"
        rm -rf "$out" "$out".*
    done
    echo "$row"
}
echo "| command | 1 minute | 10 minutes | 60 minutes |"
echo "|---|---|---|---|"
only=${ONLY:-all}
if [ "$only" = eval ]; then
    for minutes in 1 10 60; do
        b="$dir/m$minutes-b.wav"
        [ -f "$b" ] || sox -n -r 44100 -c 2 -b 16 "$b" synth $((minutes * 60)) pluck G3 pluck B4 vol 0.5
        for k in 1 2; do
            e="$dir/m$minutes-e$k.wav"
            if [ ! -f "$e" ]; then
                if [ $k = 1 ]; then a="$dir/m$minutes.wav" o="$b"; else a="$b" o="$dir/m$minutes.wav"; fi
                sox -m -v 0.9 "$a" -v 0.1 "$o" "$e"
            fi
        done
    done
    stems=(--reference "{base}.wav" "{base}-b.wav" --estimate "{base}-e1.wav" "{base}-e2.wav")
    run "eval separation --museval" eval separation --museval "${stems[@]}" --json "{out}.json"
    run "eval separation --images" eval separation --images "${stems[@]}" --json "{out}.json"
    run "eval separation (bss_eval_sources)" eval separation "${stems[@]}" --json "{out}.json"
    exit 0
fi
if [ "$only" = synth ]; then
    # Tiny DDSP and MelGAN runs trained on the bundled violin melody (the
    # weights hardly matter for memory), then resynthesis and copy
    # synthesis of the long inputs.
    assets="$(dirname "$0")/../../assets/audio"
    data="$dir/synth-data"
    for split in train valid test; do
        mkdir -p "$data/$split"
        [ -f "$data/$split/song.wav" ] || sox "$assets/violin_melody.wav" -r 16000 "$data/$split/song.wav"
        cp -n "$assets/violin_melody.mid" "$data/$split/song.mid"
    done
    tiny=(--epochs 1 --steps-per-epoch 2 --batch-size 2)
    if [ ! -d "$dir/ddsp-run" ]; then
        echo '{"mlp_width": 32, "mlp_layers": 1, "gru_size": 64}' >"$dir/ddsp.json"
        "$audio" train ddsp --data "$data" --out "$dir/ddsp-run" --config "$dir/ddsp.json" \
            "${tiny[@]}" --excerpt-seconds 0.5 >/dev/null
    fi
    if [ ! -d "$dir/melgan-run" ]; then
        echo '{"sample_rate": 16000, "ngf": 8, "residual_layers": 2, "discriminators": 2, "ndf": 4, "discriminator_layers": 1}' >"$dir/melgan.json"
        "$audio" train melgan --data "$data" --out "$dir/melgan-run" --config "$dir/melgan.json" \
            "${tiny[@]}" --excerpt-seconds 0.128 >/dev/null
    fi
    run "resynth (DDSP, tiny run)" resynth "{in}" -o "{out}.wav" --model "$dir/ddsp-run"
    run "vocode (MelGAN copy synthesis, tiny run)" vocode "{in}" -o "{out}.wav" --model "$dir/melgan-run"
    exit 0
fi
if [ "$only" != features ]; then
    run "convert --sr 22050 --mono" convert "{in}" -o "{out}.wav" --sr 22050 --mono
    run "melspectrogram" melspectrogram "{in}" -o "{out}.npy"
    run "stft --n-fft 512" stft "{in}" -o "{out}.npy" --n-fft 512
    run "transcribe" transcribe "{in}" -o "{out}.mid"
    run "separate (exact, embedded)" separate "{in}" -o "{out}"
    run "separate --chunk-seconds 30" separate "{in}" -o "{out}" --chunk-seconds 30
    run "separate --model demucs_small.th (Demucs v2, 8 kHz fixture)" separate "{in}" -o "{out}" \
        --model "$(dirname "$0")/../../audio-models/tests/fixtures/demucs/demucs_small.th"
    wun="$(dirname "$0")/../../audio-models/tests/fixtures/wave_u_net/normal_fixed_joint"
    run "separate --model normal_fixed_joint.pth (Wave-U-Net, 8 kHz fixture)" separate "{in}" -o "{out}" \
        --model "$wun.pth" --config "$wun.json"
fi
if [ "$only" != models ]; then
    run "mfcc" mfcc "{in}" -o "{out}.npy"
    run "spectral-contrast" spectral-contrast "{in}" -o "{out}.npy"
    run "rms" rms "{in}" -o "{out}.npy"
    run "zero-crossing-rate" zero-crossing-rate "{in}" -o "{out}.npy"
    run "yin" yin "{in}" -o "{out}.npy"
    run "pyin" pyin "{in}" -o "{out}.npy"
    run "chroma-stft" chroma-stft "{in}" -o "{out}.npy"
    run "cqt" cqt "{in}" -o "{out}.npy"
    run "chroma-cqt" chroma-cqt "{in}" -o "{out}.npy"
    run "tonnetz" tonnetz "{in}" -o "{out}.npy"
    run "onset-strength" onset-strength "{in}" -o "{out}.npy"
    run "onset-detect" onset-detect "{in}" -o "{out}.npy"
    run "tempo" tempo "{in}" -o "{out}.npy"
    run "beat-track" beat-track "{in}" -o "{out}.npz"
    run "tempogram" tempogram "{in}" -o "{out}.npy"
    run "plp" plp "{in}" -o "{out}.npy"
    run "transcribe --model frame-mlp" transcribe "{in}" -o "{out}.mid" --model frame-mlp
    run "preemphasis" preemphasis "{in}" -o "{out}.npy"
    run "estimate-key" estimate-key "{in}" -o "{out}.json"
    run "trim" trim "{in}" -o "{out}.npz"
    run "split" split "{in}" -o "{out}.npy"
    run "hpss" hpss "{in}" -o "{out}.npz"
    run "chroma-cens" chroma-cens "{in}" -o "{out}.npy"
    run "specshow" specshow "{in}" -o "{out}.png"
    run "waveshow" waveshow "{in}" -o "{out}.png"
    run "hybrid-cqt" hybrid-cqt "{in}" -o "{out}.npy"
    run "hcqt" hcqt "{in}" -o "{out}.npy"
    run "remix (three intervals, out of order)" remix "{in}" -o "{out}.npy" \
        --intervals 600000:1200000,0:600000,300000:900000
fi

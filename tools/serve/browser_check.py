#!/usr/bin/env python3
"""The browser check of `audio serve`'s page, in headless Chromium (the
Debian package) driven by Playwright:

1. start the server (release binary) with a token on a fresh data folder;
2. load `/`, type the token, choose a WAV with the file picker, choose
   "Separate into stems" and submit; wait for the four stems' players;
   save a screenshot;
3. choose "Transcribe to MIDI", submit the same file by keyboard (Tab to
   the button, Enter); wait for the piano roll to load; save a screenshot;
4. stop the server with SIGTERM.

It fails (non-zero exit) when a stage times out or a result is missing.

    pip install playwright==1.65.3   # no browser download: it uses /usr/bin/chromium
    python3 tools/serve/browser_check.py --binary target/release/audio \\
        --wav assets/audio/piano_short.wav --out docs/src/media
"""
import argparse
import os
import signal
import subprocess
import tempfile

from playwright.sync_api import sync_playwright


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default="target/release/audio")
    ap.add_argument("--wav", default="assets/audio/piano_short.wav")
    ap.add_argument("--out", default="docs/src/media")
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    args = ap.parse_args()
    token = "browser-check-token"
    data_dir = tempfile.mkdtemp(prefix="audio-serve-browser-")
    server = subprocess.Popen(
        [args.binary, "serve", "--bind", "127.0.0.1:0", "--data-dir", data_dir,
         "--workers", "1", "--token", token],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    base = server.stdout.readline().strip().removeprefix("listening on ")
    os.makedirs(args.out, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=args.chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 900, "height": 1400})
            page.goto(base + "/")
            page.get_by_label("Access token").fill(token)
            page.get_by_label("Access token").dispatch_event("change")
            page.wait_for_function("document.querySelectorAll('#model option').length > 0")
            page.get_by_label("Audio file").set_input_files(args.wav)
            page.get_by_label("Task").select_option("separate")
            page.get_by_role("button", name="Start").click()
            page.wait_for_selector("#results audio >> nth=3", timeout=600_000)
            page.wait_for_function("document.getElementById('status').textContent.startsWith('Done')")
            stems = page.locator("#results h3").all_inner_texts()
            assert stems == ["bass.wav", "drums.wav", "other.wav", "vocals.wav"], stems
            page.screenshot(path=os.path.join(args.out, "serve_stems.png"), full_page=True)
            print("stems:", stems)

            page.get_by_label("Task").select_option("transcribe")
            page.get_by_role("button", name="Start").focus()
            page.keyboard.press("Enter")
            page.wait_for_selector("img.roll", timeout=600_000)
            page.wait_for_function(
                "(() => { const i = document.querySelector('img.roll'); return i && i.complete && i.naturalWidth > 0; })()")
            results = page.locator("#results h3").all_inner_texts()
            assert results == ["notes.json", "notes.mid", "roll.png"], results
            page.screenshot(path=os.path.join(args.out, "serve_transcription.png"), full_page=True)
            print("transcription:", results)
            browser.close()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=600)
    print("server exit", server.returncode)


if __name__ == "__main__":
    main()

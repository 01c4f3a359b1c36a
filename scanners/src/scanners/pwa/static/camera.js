// The camera: frames from getUserMedia decoded one after another (QR codes and DataMatrix), each
// text found handed to `onText`. The browser's BarcodeDetector is used where it reads both symbols;
// elsewhere zxing-wasm's reader, served by the app with its .wasm file (never from a CDN).

const FORMATS = ["QRCode", "DataMatrix"];
// Frames are scaled down to at most this width before decoding (a label fills much of the frame).
const DECODE_WIDTH = 960;

async function browserDetector() {
  if (!("BarcodeDetector" in globalThis)) return null;
  try {
    const supported = await BarcodeDetector.getSupportedFormats();
    if (!supported.includes("qr_code") || !supported.includes("data_matrix")) return null;
    const detector = new BarcodeDetector({ formats: ["qr_code", "data_matrix"] });
    return async (video) => (await detector.detect(video)).map((found) => found.rawValue);
  } catch {
    return null;
  }
}

async function zxingReader() {
  const zxing = await import("/scan/vendor/zxing/reader/index.js");
  zxing.prepareZXingModule({
    overrides: {
      locateFile: (path, prefix) => (path.endsWith(".wasm") ? "/scan/vendor/zxing/zxing_reader.wasm" : prefix + path),
    },
  });
  const options = { formats: FORMATS, tryHarder: true, maxNumberOfSymbols: 4 };
  return async (_video, pixels) =>
    (await zxing.readBarcodes(pixels(), options)).filter((r) => r.isValid).map((r) => r.text);
}

// A decoder: (video, a function giving the frame's ImageData) → texts found.
export async function pickDecoder() {
  return (await browserDetector()) || (await zxingReader());
}

export class Camera {
  constructor(video, onText) {
    this.video = video;
    this.onText = onText;
    this.stream = null;
    this.canvas = document.createElement("canvas");
  }

  get running() {
    return this.stream !== null;
  }

  async start() {
    const decode = await pickDecoder();
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
    });
    this.video.srcObject = this.stream;
    await this.video.play();
    this.decode = decode;
    this.next();
  }

  stop() {
    for (const track of this.stream?.getTracks() || []) track.stop();
    this.stream = null;
    this.video.srcObject = null;
  }

  next() {
    if (!this.running) return;
    if ("requestVideoFrameCallback" in this.video) this.video.requestVideoFrameCallback(() => this.frame());
    else requestAnimationFrame(() => this.frame());
  }

  async frame() {
    if (!this.running) return;
    try {
      for (const text of await this.decode(this.video, () => this.pixels())) this.onText(text);
    } catch (error) {
      console.warn("frame not decoded", error);
    }
    this.next();
  }

  pixels() {
    const { videoWidth: width, videoHeight: height } = this.video;
    const scale = Math.min(1, DECODE_WIDTH / (width || DECODE_WIDTH));
    this.canvas.width = Math.max(1, Math.round(width * scale));
    this.canvas.height = Math.max(1, Math.round(height * scale));
    const context = this.canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
    return context.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }
}

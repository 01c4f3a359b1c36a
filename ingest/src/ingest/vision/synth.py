"""Synthetic kitchen scenes (明厨亮灶) drawn with Pillow, with their YOLO boxes.

They train and test the demo model without real kitchen footage: cooks with or without chef
hats and masks, on the phone or smoking, and rodents, in front of a tiled wall, a counter,
a stove and clutter. A scene renders the same pixels for the same seed.

Boxes are ``(class_id, x1, y1, x2, y2)`` in pixels with class ids from :data:`CLASSES`.
Geometry a caller may rely on: the cook box runs from the top of the head to the feet (the
hat is not part of it); the chef_hat box sits on the head, its lower edge inside the top
fifth of the cook box; the mask box lies inside the cook box over the lower face; the phone
box is beside the head at head height; the cigarette box starts at the mouth.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .classes import CLASSES

__all__ = [
    "Box",
    "Cook",
    "Scene",
    "random_scene",
    "render_scene",
    "write_dataset",
    "write_video",
]

Box = tuple[int, float, float, float, float]
RGB = tuple[int, int, int]

COOK, CHEF_HAT, MASK, PHONE, CIGARETTE, RODENT = range(len(CLASSES))

_MIN_VISIBLE = 0.4  # a box less visible than this inside the frame is not labelled


@dataclass(frozen=True)
class Cook:
    """A cook; ``x``, ``y``: normalised centre of the body (torso); at ``scale`` 1 about 0.63 frame high."""

    x: float
    y: float
    scale: float = 1.0
    hat: bool = True
    mask: bool = True
    phone: bool = False
    smoking: bool = False


@dataclass(frozen=True)
class Scene:
    """What a frame shows; ``seed`` picks the kitchen, the lighting and each cook's looks."""

    cooks: tuple[Cook, ...] = ()
    rodents: tuple[tuple[float, float], ...] = ()
    seed: int = 0


def render_scene(scene: Scene, width: int = 640, height: int = 360) -> tuple[Image.Image, list[Box]]:
    """The scene as an RGB image and its boxes, clipped to the frame."""
    rng = random.Random(scene.seed)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    _draw_kitchen(draw, rng, width, height)
    boxes: list[Box] = []
    for index, cook in sorted(enumerate(scene.cooks), key=lambda item: item[1].y + 0.3 * item[1].scale):
        boxes += _draw_cook(draw, random.Random(f"{scene.seed}/cook/{index}"), cook, width, height)
    for index, (x, y) in enumerate(scene.rodents):
        rodent_rng = random.Random(f"{scene.seed}/rodent/{index}")
        boxes.append(_draw_rodent(draw, rodent_rng, x * width, y * height, height))
    image = _light(image, rng)
    return image, _clip(boxes, width, height)


def random_scene(rng: random.Random) -> Scene:
    """A training scene: zero to three cooks, some breaking the rules, and sometimes rodents."""
    count = rng.choices((0, 1, 2, 3), weights=(6, 34, 36, 24))[0]
    slots = sorted(rng.sample(range(4), count))
    cooks = []
    for slot in slots:
        scale = rng.uniform(0.72, 1.12)
        smoking = rng.random() < 0.3
        cooks.append(
            Cook(
                x=(slot + rng.uniform(0.25, 0.75)) / 4,
                y=rng.uniform(*_body_y_range(scale)),
                scale=scale,
                hat=rng.random() < 0.65,
                mask=not smoking and rng.random() < 0.65,
                phone=rng.random() < 0.35,
                smoking=smoking,
            )
        )
    rodents: list[tuple[float, float]] = []
    if rng.random() < 0.4:
        rodents = [(rng.uniform(0.05, 0.95), rng.uniform(0.7, 0.97)) for _ in range(rng.choice((1, 1, 2)))]
    return Scene(cooks=tuple(cooks), rodents=tuple(rodents), seed=rng.randrange(2**31))


def write_dataset(
    out: Path,
    train: int,
    val: int,
    seed: int,
    imgsz: tuple[int, int] = (360, 640),
    progress: Callable[[int, int], None] | None = None,
) -> Path:
    """A YOLO dataset of random scenes under ``out`` (images and labels, train and val); returns data.yaml.

    ``imgsz`` is (height, width). The same arguments write the same files.
    """
    height, width = imgsz
    rng = random.Random(seed)
    total = train + val
    for done in range(total):
        split = "train" if done < train else "val"
        image, boxes = render_scene(random_scene(rng), width, height)
        name = f"{split}-{done:05d}"
        (out / "images" / split).mkdir(parents=True, exist_ok=True)
        (out / "labels" / split).mkdir(parents=True, exist_ok=True)
        image.save(out / "images" / split / f"{name}.jpg", quality=92)
        (out / "labels" / split / f"{name}.txt").write_text(_yolo_labels(boxes, width, height))
        if progress is not None:
            progress(done + 1, total)
    data_yaml = out / "data.yaml"
    names = "".join(f"  {index}: {name}\n" for index, name in enumerate(CLASSES))
    data_yaml.write_text(
        f"# suyuan vision synth --train {train} --val {val} --seed {seed}\n"
        f"path: {out.resolve()}\ntrain: images/train\nval: images/val\nnames:\n{names}"
    )
    return data_yaml


def write_video(
    out: Path,
    scenes: Sequence[Scene],
    fps: int = 10,
    seconds_per_scene: float = 2.0,
    width: int = 640,
    height: int = 360,
) -> Path:
    """An mp4 (``mp4v``) showing each scene in turn, cooks and rodents moving a little from frame to frame.

    It has ``round(fps * seconds_per_scene)`` frames per scene. Needs OpenCV (the ``vision`` extra).
    """
    import cv2
    import numpy as np

    out.parent.mkdir(parents=True, exist_ok=True)
    writer = cv2.VideoWriter(str(out), cv2.VideoWriter.fourcc(*"mp4v"), fps, (width, height))
    if not writer.isOpened():
        raise OSError(f"OpenCV cannot write {out}")
    try:
        for scene in scenes:
            frames = round(fps * seconds_per_scene)
            for frame in range(frames):
                image, _ = render_scene(_jitter(scene, frame / fps), width, height)
                writer.write(cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR))
    finally:
        writer.release()
    return out


def _jitter(scene: Scene, t: float) -> Scene:
    """The scene ``t`` seconds on: cooks sway, rodents scurry; the kitchen stays put."""
    cooks = tuple(
        replace(cook, x=cook.x + 0.012 * math.sin(2.1 * t + i), y=cook.y + 0.004 * math.sin(3.3 * t + i))
        for i, cook in enumerate(scene.cooks)
    )
    rodents = tuple((x + 0.02 * math.sin(1.7 * t + i), y) for i, (x, y) in enumerate(scene.rodents))
    return replace(scene, cooks=cooks, rodents=rodents)


def _body_y_range(scale: float) -> tuple[float, float]:
    """Normalised body centres that keep the hat top in a 16:9 frame and the feet near its bottom."""
    u = 0.01 * scale
    return max(0.02 + 42 * u, 0.86 - 33 * u), 1.04 - 33 * u


def _yolo_labels(boxes: list[Box], width: int, height: int) -> str:
    lines = []
    for cls, x1, y1, x2, y2 in boxes:
        cx, cy = (x1 + x2) / 2 / width, (y1 + y2) / 2 / height
        lines.append(f"{cls} {cx:.6f} {cy:.6f} {(x2 - x1) / width:.6f} {(y2 - y1) / height:.6f}\n")
    return "".join(lines)


def _clip(boxes: list[Box], width: int, height: int) -> list[Box]:
    clipped: list[Box] = []
    for cls, x1, y1, x2, y2 in boxes:
        cx1, cy1, cx2, cy2 = max(x1, 0.0), max(y1, 0.0), min(x2, float(width)), min(y2, float(height))
        if cx2 <= cx1 or cy2 <= cy1:
            continue
        if (cx2 - cx1) * (cy2 - cy1) >= _MIN_VISIBLE * (x2 - x1) * (y2 - y1):
            clipped.append((cls, round(cx1, 1), round(cy1, 1), round(cx2, 1), round(cy2, 1)))
    return clipped


# Kitchen -------------------------------------------------------------------------------------------

_WALL_TILES: tuple[RGB, ...] = (
    (236, 236, 230),
    (214, 228, 236),
    (222, 236, 220),
    (238, 226, 206),
    (200, 200, 204),
)
_FLOOR_TILES: tuple[RGB, ...] = ((120, 110, 100), (90, 96, 104), (150, 140, 120), (110, 70, 60), (70, 74, 70))
_CLUTTER: tuple[RGB, ...] = (
    (200, 60, 40), (230, 180, 40), (60, 140, 70), (170, 120, 70), (220, 220, 210), (90, 120, 200),
    (150, 90, 150), (240, 140, 60),
)  # fmt: skip


def _shade(colour: RGB, factor: float) -> RGB:
    r, g, b = colour
    return (min(255, int(r * factor)), min(255, int(g * factor)), min(255, int(b * factor)))


def _vary(rng: random.Random, colour: RGB, spread: int = 14) -> RGB:
    r, g, b = (max(0, min(255, c + rng.randint(-spread, spread))) for c in colour)
    return (r, g, b)


def _draw_kitchen(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int) -> None:
    """Wall, hood, shelves, counter, stove, pots and a tiled floor."""
    floor_y = h * rng.uniform(0.56, 0.68)
    counter_top = floor_y - h * rng.uniform(0.14, 0.2)
    _tiles(draw, rng, (0, 0, w, floor_y), rng.choice(_WALL_TILES), rng.randint(18, 34))
    _tiles(draw, rng, (0, floor_y, w, h), rng.choice(_FLOOR_TILES), rng.randint(30, 52))
    steel = _vary(rng, (178, 182, 186), 10)
    hood_x = rng.uniform(0.1, 0.6) * w
    draw.polygon(
        [(hood_x, 0), (hood_x + 0.32 * w, 0), (hood_x + 0.36 * w, 0.2 * h), (hood_x - 0.04 * w, 0.2 * h)],
        fill=steel,
        outline=_shade(steel, 0.7),
    )
    for _ in range(rng.randint(1, 2)):
        _shelf(draw, rng, rng.uniform(0, 0.75) * w, rng.uniform(0.22, counter_top / h - 0.12) * h, w)
    draw.rectangle((0, counter_top, w, floor_y), fill=_shade(steel, 0.9), outline=_shade(steel, 0.6))
    draw.rectangle((0, counter_top, w, counter_top + 0.02 * h), fill=_shade(steel, 1.15))
    for x in range(int(rng.uniform(0, 0.2) * w), w, int(0.22 * w)):
        draw.line((x, counter_top + 0.03 * h, x, floor_y), fill=_shade(steel, 0.65), width=2)
    stove_x = rng.uniform(0.05, 0.6) * w
    draw.rectangle((stove_x, counter_top - 0.02 * h, stove_x + 0.3 * w, counter_top), fill=(40, 40, 44))
    for i in range(rng.randint(1, 3)):
        _pot(draw, rng, stove_x + (0.05 + 0.1 * i) * w, counter_top - 0.02 * h, h)
    for _ in range(rng.randint(2, 6)):
        _clutter(draw, rng, rng.uniform(0, w), counter_top, h)


def _tiles(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    area: tuple[float, float, float, float],
    base: RGB,
    size: int,
) -> None:
    x0, y0, x1, y1 = area
    draw.rectangle(area, fill=_shade(base, 0.8))
    y = y0
    while y + 2 < y1:
        x = x0 - rng.uniform(0, size)
        while x < x1:
            draw.rectangle((x + 1, y + 1, x + size - 1, min(y + size - 1, y1)), fill=_vary(rng, base, 6))
            x += size
        y += size


def _shelf(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, w: int) -> None:
    length = rng.uniform(0.15, 0.3) * w
    draw.rectangle((x, y, x + length, y + 5), fill=(150, 110, 70))
    jar_x = x + 4
    while jar_x < x + length - 12:
        jar_w, jar_h = rng.uniform(8, 18), rng.uniform(14, 34)
        colour = _vary(rng, rng.choice(_CLUTTER), 20)
        if rng.random() < 0.5:
            draw.rectangle((jar_x, y - jar_h, jar_x + jar_w, y), fill=colour, outline=_shade(colour, 0.6))
        else:
            draw.ellipse((jar_x, y - jar_h, jar_x + jar_w, y + 2), fill=colour, outline=_shade(colour, 0.6))
        jar_x += jar_w + rng.uniform(2, 10)


def _pot(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, base: float, h: int) -> None:
    pot_w, pot_h = rng.uniform(0.1, 0.16) * h, rng.uniform(0.07, 0.13) * h
    colour = _vary(rng, rng.choice(((160, 164, 170), (60, 60, 64), (170, 110, 70))), 10)
    draw.rectangle((x, base - pot_h, x + pot_w, base), fill=colour, outline=_shade(colour, 0.6))
    draw.ellipse((x - 2, base - pot_h - 5, x + pot_w + 2, base - pot_h + 5), fill=_shade(colour, 1.2))
    draw.line((x - 10, base - pot_h * 0.7, x, base - pot_h * 0.7), fill=_shade(colour, 0.5), width=3)
    if rng.random() < 0.5:  # steam: light and soft, unlike cigarette smoke at a mouth
        for i in range(3):
            r = 4 + 2 * i
            cx = x + pot_w / 2 + rng.uniform(-6, 6)
            cy = base - pot_h - 10 - 9 * i
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(235, 235, 235))


def _clutter(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, counter_top: float, h: int) -> None:
    colour = _vary(rng, rng.choice(_CLUTTER), 25)
    kind = rng.randrange(3)
    size = rng.uniform(0.03, 0.07) * h
    if kind == 0:  # bottle
        draw.rectangle((x, counter_top - 2.4 * size, x + 0.8 * size, counter_top), fill=colour)
        draw.rectangle((x + 0.25 * size, counter_top - 3 * size, x + 0.55 * size, counter_top), fill=colour)
    elif kind == 1:  # bowl
        draw.chord((x, counter_top - size, x + 2 * size, counter_top + size), 180, 360, fill=colour)
    else:  # cutting board with vegetables
        draw.rectangle((x, counter_top - 0.3 * size, x + 3 * size, counter_top), fill=(190, 150, 100))
        for i in range(3):
            draw.ellipse(
                (x + i * size, counter_top - 1.1 * size, x + (i + 0.8) * size, counter_top - 0.3 * size),
                fill=_vary(rng, rng.choice(_CLUTTER), 25),
            )


def _light(image: Image.Image, rng: random.Random) -> Image.Image:
    """Uneven lighting from one side, a colour cast, soft noise and a little blur, all from the seed."""
    w, h = image.size
    gradient = Image.linear_gradient("L").rotate(rng.choice((0, 90, 180, 270))).resize((w, h))
    low, high = rng.uniform(150, 215), rng.uniform(235, 255)
    gradient = gradient.point(lambda v: int(low + (high - low) * v / 255))
    cast = _vary(rng, (255, 248, 236), 10)
    light = ImageChops.multiply(
        Image.merge("RGB", (gradient, gradient, gradient)), Image.new("RGB", (w, h), cast)
    )
    image = ImageChops.multiply(image, light)
    noise_size = (max(1, w // 4), max(1, h // 4))
    noise = Image.frombytes("L", noise_size, rng.randbytes(noise_size[0] * noise_size[1])).resize((w, h))
    image = Image.blend(image, Image.merge("RGB", (noise, noise, noise)), rng.uniform(0.02, 0.07))
    return image.filter(ImageFilter.GaussianBlur(rng.uniform(0.2, 0.8)))


# People and pests ----------------------------------------------------------------------------------

_SKIN: tuple[RGB, ...] = ((241, 200, 170), (224, 172, 130), (198, 140, 100), (150, 100, 70), (236, 190, 150))
_HAIR: tuple[RGB, ...] = ((25, 20, 18), (60, 40, 25), (110, 80, 50), (140, 140, 140))
_COATS: tuple[RGB, ...] = ((246, 246, 244), (246, 246, 244), (246, 246, 244), (40, 40, 44), (120, 124, 130))
_MASKS: tuple[RGB, ...] = ((140, 200, 235), (140, 200, 235), (120, 180, 225), (236, 240, 244))


def _draw_cook(draw: ImageDraw.ImageDraw, rng: random.Random, cook: Cook, w: int, h: int) -> list[Box]:
    u = h * cook.scale / 100
    cx, cy = cook.x * w, cook.y * h
    skin, coat = rng.choice(_SKIN), _vary(rng, rng.choice(_COATS), 6)
    trousers = _vary(rng, rng.choice(((40, 40, 50), (60, 60, 70), (30, 40, 70))), 8)
    torso = (cx - 14 * u, cy - 17 * u, cx + 14 * u, cy + 17 * u)
    head_r = 6.2 * u
    hx, hy = cx + rng.uniform(-1.0, 1.0) * u, torso[1] - 1.5 * u - head_r
    feet = cy + 33 * u
    side = rng.choice((-1, 1))  # the phone's side; a cigarette points the other way
    draw.rectangle((cx - 11 * u, cy + 16 * u, cx - 1 * u, feet), fill=trousers)
    draw.rectangle((cx + 1 * u, cy + 16 * u, cx + 11 * u, feet), fill=trousers)
    draw.rounded_rectangle(
        torso, radius=5 * u, fill=coat, outline=_shade(coat, 0.75), width=max(1, int(u / 2))
    )
    if rng.random() < 0.5:  # apron
        draw.rectangle(
            (cx - 10 * u, cy - 4 * u, cx + 10 * u, cy + 20 * u), fill=_vary(rng, (200, 200, 195), 30)
        )
    for i in range(3):
        bx = cx + 4 * u
        draw.ellipse(
            (bx - u * 0.7, cy - 12 * u + 6 * i * u, bx + u * 0.7, cy - 10.6 * u + 6 * i * u),
            fill=(90, 90, 90),
        )
    draw.rectangle((hx - 2.5 * u, hy + head_r - u, hx + 2.5 * u, torso[1] + u), fill=skin)  # neck
    _arms(draw, rng, cx, cy, u, coat, skin, raised=side if cook.phone else 0)
    draw.ellipse((hx - head_r, hy - head_r, hx + head_r, hy + head_r), fill=skin, outline=_shade(skin, 0.7))
    boxes: list[Box] = [(COOK, cx - 19.5 * u, hy - head_r, cx + 19.5 * u, feet)]
    if not cook.hat:
        hair = rng.choice(_HAIR)
        draw.chord((hx - head_r, hy - head_r, hx + head_r, hy + head_r * 0.6), 180, 360, fill=hair)
    for ex in (-2.2, 2.2):
        draw.ellipse(
            (hx + (ex - 0.6) * u, hy - 1.4 * u, hx + (ex + 0.6) * u, hy - 0.2 * u), fill=(30, 25, 25)
        )
    if cook.mask:
        boxes.append(_draw_mask(draw, rng, hx, hy, head_r, u))
    else:
        draw.line(
            (hx - 1.8 * u, hy + 3 * u, hx + 1.8 * u, hy + 3 * u), fill=(140, 60, 60), width=max(1, int(u / 2))
        )
    if cook.hat:
        boxes.append(_draw_hat(draw, rng, hx, hy - head_r, u))
    if cook.smoking:
        boxes.append(_draw_cigarette(draw, rng, hx - side * 1.2 * u, hy + 3 * u, -side, u))
    if cook.phone:
        boxes.append(_draw_phone(draw, rng, hx + side * (head_r + 4.2 * u), hy + 0.5 * u, u, skin))
    return boxes


def _arms(
    draw: ImageDraw.ImageDraw,
    rng: random.Random,
    cx: float,
    cy: float,
    u: float,
    coat: RGB,
    skin: RGB,
    raised: int,
) -> None:
    """Both arms; the ``raised`` side (-1 left, 1 right, 0 none) bends up to hold a phone at the ear."""
    width = max(2, int(6 * u))
    for side in (-1, 1):
        shoulder = (cx + side * 12 * u, cy - 13 * u)
        if side == raised:
            elbow = (cx + side * 19 * u, cy - 4 * u)
            hand = (cx + side * 15 * u, cy - 27 * u)
        elif rng.random() < 0.5:  # working at the counter, maybe with a utensil
            elbow = (cx + side * 19 * u, cy)
            hand = (cx + side * 12 * u, cy + 6 * u)
            if rng.random() < 0.5:
                tool = _vary(rng, (150, 150, 155), 40)
                draw.line(
                    (hand[0], hand[1], hand[0] + side * 9 * u, hand[1] - 6 * u), fill=tool, width=int(u) + 1
                )
        else:
            elbow = (cx + side * 17 * u, cy + 2 * u)
            hand = (cx + side * 17 * u, cy + 15 * u)
        draw.line((shoulder, elbow, hand), fill=coat, width=width, joint="curve")
        draw.line((shoulder, elbow, hand), fill=_shade(coat, 0.8), width=1)
        draw.ellipse((hand[0] - 2.6 * u, hand[1] - 2.6 * u, hand[0] + 2.6 * u, hand[1] + 2.6 * u), fill=skin)


def _draw_hat(draw: ImageDraw.ImageDraw, rng: random.Random, hx: float, head_top: float, u: float) -> Box:
    """A white toque: a band on the head and a puffed crown; a lower paper cap one time in four."""
    white = _vary(rng, (250, 250, 250), 4)
    edge = (175, 175, 180)
    band_bottom = head_top + 2.6 * u
    crown = 11 * u if rng.random() < 0.75 else 6 * u
    top = band_bottom - 3.6 * u - crown
    draw.ellipse((hx - 8 * u, top, hx + 8 * u, band_bottom - 2 * u), fill=white, outline=edge)
    for dx in (-4.5, 0, 4.5):
        draw.ellipse((hx + (dx - 4) * u, top, hx + (dx + 4) * u, top + 8 * u), fill=white, outline=edge)
    draw.rectangle((hx - 6.6 * u, band_bottom - 3.6 * u, hx + 6.6 * u, band_bottom), fill=white, outline=edge)
    for dx in (-3.5, 0, 3.5):
        draw.line((hx + dx * u, top + 5 * u, hx + dx * u, band_bottom - 4 * u), fill=(215, 215, 220), width=1)
    return (CHEF_HAT, hx - 8 * u, top, hx + 8 * u, band_bottom)


def _draw_mask(
    draw: ImageDraw.ImageDraw, rng: random.Random, hx: float, hy: float, r: float, u: float
) -> Box:
    colour = _vary(rng, rng.choice(_MASKS), 6)
    box = (hx - 5.4 * u, hy + 0.4 * u, hx + 5.4 * u, hy + r + 0.2 * u)
    draw.line((box[0], box[1] + u, hx - r, hy - u), fill=(230, 230, 230), width=max(1, int(u / 2)))
    draw.line((box[2], box[1] + u, hx + r, hy - u), fill=(230, 230, 230), width=max(1, int(u / 2)))
    draw.rounded_rectangle(box, radius=2 * u, fill=colour, outline=_shade(colour, 0.7))
    for i in (1, 2, 3):
        y = box[1] + i * (box[3] - box[1]) / 4
        draw.line((box[0] + u, y, box[2] - u, y), fill=_shade(colour, 0.85), width=1)
    return (MASK, *box)


def _draw_phone(
    draw: ImageDraw.ImageDraw, rng: random.Random, px: float, py: float, u: float, skin: RGB
) -> Box:
    """A black handset with a lit screen, held up in a hand beside the head."""
    box = (px - 3.8 * u, py - 6.5 * u, px + 3.8 * u, py + 6.5 * u)
    screen = _vary(rng, rng.choice(((90, 220, 255), (120, 255, 200), (255, 240, 120))), 12)
    draw.rounded_rectangle(box, radius=1.2 * u, fill=(15, 15, 20))
    draw.rectangle((box[0] + u, box[1] + 1.4 * u, box[2] - u, box[3] - 1.6 * u), fill=screen)
    draw.ellipse(
        (px - 3.4 * u, py + 2.5 * u, px + 3.4 * u, py + 8.5 * u), fill=skin
    )  # hand on the lower half
    return (PHONE, *box)


def _draw_cigarette(
    draw: ImageDraw.ImageDraw, rng: random.Random, mx: float, my: float, side: int, u: float
) -> Box:
    """A white stick from the mouth, a glowing tip and dark smoke above it."""
    length = rng.uniform(10, 12) * u
    tip = (mx + side * length, my + 1.5 * u)
    draw.line(((mx, my), tip), fill=(250, 250, 245), width=max(2, int(2.2 * u)))
    draw.line(((mx, my), (mx + side * 3 * u, my + 0.45 * u)), fill=(220, 150, 60), width=max(2, int(2.2 * u)))
    draw.ellipse((tip[0] - 1.8 * u, tip[1] - 1.8 * u, tip[0] + 1.8 * u, tip[1] + 1.8 * u), fill=(255, 70, 20))
    for i in range(3):
        r = (1.4 + 0.7 * i) * u
        sx, sy = tip[0] + side * i * 1.2 * u, tip[1] - (3 + 3.2 * i) * u
        draw.ellipse((sx - r, sy - r, sx + r, sy + r), fill=(120, 120, 125))
    x1, x2 = sorted((mx, tip[0] + side * 2 * u))
    return (CIGARETTE, x1, my - 2.5 * u, x2, tip[1] + 2.5 * u)


def _draw_rodent(draw: ImageDraw.ImageDraw, rng: random.Random, x: float, y: float, h: int) -> Box:
    """A rat seen from the side, its tail trailing; the box covers the body and head, not the tail."""
    size = h * rng.uniform(0.085, 0.11)
    facing = rng.choice((-1, 1))
    fur = _vary(rng, rng.choice(((90, 80, 72), (70, 66, 64), (110, 95, 80))), 10)
    body = (x - size, y - 0.5 * size, x + size, y + 0.5 * size)
    tail_x = x - facing * size
    draw.line(
        [
            (tail_x, y),
            (tail_x - facing * 0.6 * size, y + 0.3 * size),
            (tail_x - facing * 1.3 * size, y + 0.1 * size),
        ],
        fill=(200, 150, 150),
        width=max(2, int(size / 9)),
        joint="curve",
    )
    draw.ellipse(body, fill=fur, outline=_shade(fur, 0.6))
    head_x = x + facing * 1.05 * size
    draw.ellipse((head_x - 0.5 * size, y - 0.42 * size, head_x + 0.5 * size, y + 0.3 * size), fill=fur)
    ear_x = head_x - facing * 0.2 * size
    draw.ellipse(
        (ear_x - 0.2 * size, y - 0.6 * size, ear_x + 0.2 * size, y - 0.2 * size), fill=(220, 160, 160)
    )
    nose_x = head_x + facing * 0.5 * size
    draw.ellipse(
        (nose_x - 0.08 * size, y - 0.1 * size, nose_x + 0.08 * size, y + 0.06 * size), fill=(230, 130, 140)
    )
    eye_x = head_x + facing * 0.15 * size
    draw.ellipse(
        (eye_x - 0.06 * size, y - 0.2 * size, eye_x + 0.06 * size, y - 0.08 * size), fill=(10, 10, 10)
    )
    for leg in (-0.6, -0.1, 0.4, 0.8):
        lx = x + facing * leg * size
        draw.line(
            (lx, y + 0.4 * size, lx, y + 0.58 * size), fill=_shade(fur, 0.7), width=max(2, int(size / 10))
        )
    x1, x2 = sorted((x - facing * size, nose_x + facing * 0.1 * size))
    return (RODENT, x1, y - 0.6 * size, x2, y + 0.6 * size)

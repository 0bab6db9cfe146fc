#!/usr/bin/env python3
"""Generate a synthetic OCOP catalogue in the real content format, at any size.

Realistic Vietnamese and English text with diacritics; every optional field is used; photos
only with --photos (a generated 1600 x 1200 JPEG per product, with camera EXIF). The Khánh Hòa
templates, categories and site.yaml are copied from this repository.
Usage: benchmarks/synthetic.py N DEST [--seed S] [--photos]
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocopsite.slugs import slug_for  # noqa: E402

# (Vietnamese, English, group slug) for kinds of OCOP products
# (Vietnamese, English, group slug, drawing) for kinds of OCOP products
KINDS = [
    ("Nước mắm cá cơm", "anchovy fish sauce", "gia-vi", "fish-sauce"), ("Muối hạt", "grain salt", "gia-vi", "default"),
    ("Hành tím", "purple shallots", "gia-vi", "garlic-shallot"), ("Tỏi", "garlic", "gia-vi", "garlic-shallot"),
    ("Rong nho tươi", "fresh sea grapes", "thuc-pham-tuoi-song", "sea-grapes"),
    ("Xoài cát", "sweet mango", "thuc-pham-tuoi-song", "mango"),
    ("Sầu riêng", "durian", "thuc-pham-tuoi-song", "durian"),
    ("Bưởi da xanh", "green-skin pomelo", "thuc-pham-tuoi-song", "pomelo"),
    ("Nho xanh", "green grapes", "thuc-pham-tuoi-song", "grape"),
    ("Dưa lưới", "netted melon", "thuc-pham-tuoi-song", "melon"),
    ("Gạo thơm", "fragrant rice", "thuc-pham-tho-so-che", "rice"),
    ("Mật ong rừng", "wild honey", "thuc-pham-tho-so-che", "honey"),
    ("Xoài sấy dẻo", "soft-dried mango", "thuc-pham-che-bien", "mango"),
    ("Chả cá", "fish cake", "thuc-pham-che-bien", "default"),
    ("Mực khô", "dried squid", "thuc-pham-che-bien", "dried-seafood"),
    ("Tôm khô", "dried shrimp", "thuc-pham-che-bien", "dried-seafood"),
    ("Táo sấy", "dried jujube", "thuc-pham-che-bien", "default"),
    ("Bánh tráng", "rice paper", "thuc-pham-che-bien", "rice"),
    ("Trà măng tây", "asparagus tea", "che", "tea"), ("Trà thảo mộc", "herbal tea", "che", "tea"),
    ("Cà phê rang xay", "ground roasted coffee", "ca-phe-ca-cao", "coffee"),
    ("Rượu nho", "grape wine", "do-uong-co-con", "wine"), ("Rượu cần", "jar rice wine", "do-uong-co-con", "wine"),
    ("Nước yến", "bird's nest drink", "do-uong-khong-con", "birds-nest"),
    ("Tinh dầu sả", "lemongrass essential oil", "tinh-dau-duoc-lieu-khac", "default"),
    ("Trầm hương nhang", "agarwood incense", "tinh-dau-duoc-lieu-khac", "agarwood"),
    ("Gốm đất nung", "terracotta pottery", "thu-cong-my-nghe-gia-dung", "pottery"),
    ("Thổ cẩm dệt tay", "hand-woven brocade", "vai-may-mac", "brocade"), ("Lan rừng", "wild orchid", "hoa", "default"),
    ("Du lịch cộng đồng", "community tourism", "du-lich-cong-dong-sinh-thai", "default"),
]
NAMES = ["An Phú", "Bình Minh", "Cẩm Hà", "Diên Lạc", "Đông Hải", "Gia Hưng", "Hòa Thuận", "Hương Biển", "Khánh Lộc",
         "Lạc An", "Minh Đức", "Ngọc Lan", "Phước Thịnh", "Quang Vinh", "Sơn Trà", "Tân Phát", "Thành Đạt", "Trường An",
         "Vạn Lợi", "Xuân Đào", "Yên Bình", "Đại Phát", "Hải Đăng", "Bảo Châu", "Cát Tường", "Đồng Xanh"]
BRANDS = ["Ba Ngòi", "Hòn Khói", "Ninh Vân", "Bình Ba", "Hòn Tằm", "Cà Ná", "Mỹ Tân", "Sơn Hải", "Đầm Môn", "Vĩnh Hy"]
PLACE_NAMES = ["Vạn Ninh", "Vạn Thắng", "Vạn Hưng", "Đại Lãnh", "Tu Bông", "Ninh Hòa", "Đông Ninh Hòa",
               "Hòa Thắng", "Tân Định", "Nam Ninh Hòa", "Tây Ninh Hòa", "Bắc Nha Trang", "Nha Trang", "Nam Nha Trang",
               "Tây Nha Trang",
               "Diên Khánh", "Diên Lạc", "Diên Điền", "Suối Hiệp", "Cam Lâm", "Cam Hiệp", "Cam An", "Suối Dầu",
               "Cam Ranh", "Bắc Cam Ranh", "Ba Ngòi", "Cam Linh", "Khánh Vĩnh", "Trung Khánh Vĩnh", "Bắc Khánh Vĩnh",
               "Khánh Sơn", "Đông Khánh Sơn", "Tây Khánh Sơn", "Phan Rang", "Đô Vinh", "Bảo An", "Đông Hải",
               "Ninh Phước", "Phước Hữu", "Phước Hậu", "Phước Hà", "Thuận Nam", "Cà Ná", "Ninh Hải", "Vĩnh Hải",
               "Xuân Hải", "Ninh Sơn", "Lâm Sơn", "Mỹ Sơn", "Bác Ái", "Bác Ái Đông", "Bác Ái Tây", "Công Hải"]
DISTRICTS = ["Vạn Ninh", "Ninh Hòa", "Nha Trang", "Diên Khánh", "Cam Lâm", "Cam Ranh", "Khánh Vĩnh", "Khánh Sơn",
             "Ninh Phước", "Thuận Nam", "Ninh Hải", "Ninh Sơn", "Bác Ái", "Phan Rang – Tháp Chàm"]
KINDS_OF_PRODUCER = [("enterprise", "Công ty TNHH", "Co., Ltd."), ("cooperative", "Hợp tác xã", "Cooperative"),
                     ("cooperative-group", "Tổ hợp tác", "Cooperative Group"),
                     ("household", "Hộ kinh doanh", "Household")]
SUMMARIES = [  # (vi, en): one sentence for cards, varied as editors write them
    ("Đặc sản {kind} của vùng {brand}, được du khách tìm mua làm quà.", "{brand} {kind}, a gift visitors look for."),
    ("{kind} làm theo cách truyền thống ở {brand}.", "{kind} made the traditional way in {brand}."),
    ("Sản phẩm {kind} đóng gói tiện mang theo khi đi xa.", "{kind} packed to travel well."),
    ("{kind} tươi ngon theo mùa từ {brand}.", "Seasonal {kind} from {brand}."),
    ("{kind} {brand} đạt chứng nhận VietGAP.", "VietGAP-certified {kind} from {brand}."),
    ("Hương vị {kind} đậm đà của miền biển {brand}.", "The rich taste of {kind} from the {brand} coast."),
]
VI_SENTENCES = ["Sản phẩm được làm từ nguyên liệu của địa phương, theo cách truyền thống của vùng {place}.",
                "Đây là đặc sản mà du khách thường mua làm quà khi ghé {place}.",
                "Cơ sở sản xuất áp dụng quy trình VietGAP và có công bố chất lượng.",
                "Nên bảo quản nơi khô ráo, tránh ánh nắng trực tiếp; dùng ngon nhất trong mùa thu hoạch.",
                "Người dân {place} đã làm nghề này qua nhiều thế hệ."]
EN_SENTENCES = ["It is made from local ingredients in the traditional way of {place}.",
                "Visitors to {place} often buy it as a gift to take home.",
                "The producer follows VietGAP practices and has a published quality declaration.",
                "Keep it in a dry place out of direct sunlight; it is best in the harvest season.",
                "People in {place} have made it for generations."]


def place_records(rng: random.Random) -> list[tuple[str, str, str]]:
    """(slug, name, former district) for 65 communes and wards."""
    names = (PLACE_NAMES * 2)[:65]
    return [(f"{slug_for(n)}-{i}", n, rng.choice(DISTRICTS)) for i, n in enumerate(names)]


def write_places(content: Path, places: list[tuple[str, str, str]]) -> None:
    lines = []
    for i, (slug, name, district) in enumerate(places):
        kind, vi_kind, en_kind = ("ward", "Phường", "Ward") if i % 4 == 0 else ("commune", "Xã", "Commune")
        lines += [f"- slug: {slug}", f"  name: {{vi: {vi_kind} {name}, en: {name} {en_kind}}}", f"  kind: {kind}",
                  "  formerly:",
                  f"    - {{name: {name}, type: {'phuong' if kind == 'ward' else 'xa'}, district: {district}, "
                  "district_type: huyen}",
                  f"    - {{name: {name} Tây, type: xa, district: {district}, district_type: huyen, part: true}}"]
    (content / "places.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_producer(folder: Path, rng: random.Random, index: int, place: str) -> None:
    kind, vi_prefix, en_suffix = rng.choice(KINDS_OF_PRODUCER)
    name = f"{rng.choice(NAMES)} {index}"
    folder.mkdir(parents=True)
    (folder / "producer.yaml").write_text(f"""name:
  vi: {vi_prefix} {name}
  en: {name} {en_suffix}
kind: {kind}
place: {place}
address: "Thôn {rng.choice(NAMES)}, xã {rng.choice(PLACE_NAMES)}, Khánh Hòa"
phone: "0258 {rng.randint(100, 999)} {rng.randint(100, 999)}"
email: contact{index}@example.org
website: https://example.org/producer-{index}
location: {{lat: {rng.uniform(11.3, 12.9):.5f}, lon: {rng.uniform(108.6, 109.4):.5f}}}
visitors: {str(rng.random() < 0.3).lower()}
opening_hours: {{vi: "7:00–17:00, thứ Hai đến thứ Bảy", en: "7 am–5 pm, Monday to Saturday"}}
directions:
  vi: "Từ chợ {rng.choice(PLACE_NAMES)} đi {rng.randint(1, 9)} km theo tỉnh lộ, rẽ trái ở cây xăng."
  en: "From {rng.choice(PLACE_NAMES)} market, {rng.randint(1, 9)} km along the provincial road, then left."
sources:
  - title: Synthetic source {index}
    url: https://example.org/source-{index}
    date: 2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}
""", encoding="utf-8")
    (folder / "vi.md").write_text(f"{vi_prefix} {name} làm sản phẩm OCOP ở Khánh Hòa.\n", encoding="utf-8")
    (folder / "en.md").write_text(f"{name} {en_suffix} makes OCOP products in Khánh Hòa.\n", encoding="utf-8")


def write_product(folder: Path, rng: random.Random, index: int, producer: str, place: str, spots: list[str],
                  photo: bytes | None = None) -> None:
    vi_kind, en_kind, group, kind = rng.choice(KINDS)
    brand = rng.choice(BRANDS)
    stars = rng.choices([3, 4, 5], weights=[76, 23, 1])[0]
    year, month = rng.randint(2021, 2026), rng.randint(1, 12)
    low = rng.randint(2, 40) * 10_000
    summary = rng.choice(SUMMARIES)
    folder.mkdir(parents=True)
    (folder / "product.yaml").write_text(f"""name:
  vi: {vi_kind} {brand} {index}
  en: {brand} {en_kind} {index}
stars: {stars}
kind: {kind}
category: {group}
producer: {producer}
place: {place}
summary:
  vi: {_sentence(summary[0].format(kind=vi_kind.lower(), brand=brand))}
  en: {_sentence(summary[1].format(kind=en_kind, brand=brand))}
recognition:
  decision: "{rng.randint(100, 3999)}/QĐ-UBND"
  date: {year}-{month:02d}-{rng.randint(1, 28):02d}
  issuer: {{vi: UBND tỉnh Khánh Hòa, en: Khánh Hòa Provincial People's Committee}}
  score: {rng.uniform(50, 69.9) if stars == 3 else rng.uniform(70, 89.9) if stars == 4 else rng.uniform(90, 99):.2f}
price:
  min: {low}
  max: {low + rng.randint(1, 20) * 10_000}
  unit: {{vi: hộp 500 g, en: 500 g box}}
sold_at: [{", ".join(rng.sample(spots, 2))}]
shops:
  - name: Cửa hàng {brand}
    url: https://example.org/shop/{index}
season: [{", ".join(str(m) for m in sorted(rng.sample(range(1, 13), 3)))}]
sources:
  - title: Synthetic decision {index}
    url: https://example.org/decision-{index}
    date: {year}-{month:02d}-28
""", encoding="utf-8")
    if photo is not None:
        (folder / "anh-san-pham.jpg").write_bytes(photo)
        with (folder / "product.yaml").open("a", encoding="utf-8") as stream:
            stream.write(f"photos:\n  - file: anh-san-pham.jpg\n    alt: {{vi: {vi_kind} {brand} đóng gói, "
                         f"en: Packed {brand} {en_kind}}}\n")
    town = rng.choice(PLACE_NAMES)
    (folder / "vi.md").write_text(" ".join(s.format(place=town) for s in rng.sample(VI_SENTENCES, 3)) + "\n",
                                  encoding="utf-8")
    (folder / "en.md").write_text(" ".join(s.format(place=town) for s in rng.sample(EN_SENTENCES, 3)) + "\n",
                                  encoding="utf-8")


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def camera_photo(rng: random.Random) -> bytes:
    """A 1600 x 1200 JPEG with a camera's EXIF and GPS position, as a phone writes it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), tuple(rng.randint(40, 220) for _ in range(3)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rng.randint(0, 1400), rng.randint(0, 1000)
        draw.ellipse((x, y, x + rng.randint(60, 300), y + rng.randint(60, 300)),
                     fill=tuple(rng.randint(0, 255) for _ in range(3)))
    exif = Image.Exif()
    exif[0x0110] = "Phone"
    exif.get_ifd(0x8825).update({1: "N", 2: (12.0, 15.0, 30.0), 3: "E", 4: (109.0, 11.0, 40.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def toggle(path: Path, old: str, new: str) -> None:
    """Change ``old`` to ``new`` in the file, or back if it has ``new`` already."""
    text = path.read_text(encoding="utf-8")
    changed = text.replace(new, old, 1) if new in text else text.replace(old, new, 1)
    assert changed != text, f"{path} has neither {old!r} nor {new!r}"
    path.write_text(changed, encoding="utf-8")


def generate(count: int, dest: Path, seed: int = 1, photos: bool = False) -> Path:
    """Write a catalogue of ``count`` products into ``dest`` (replacing it)."""
    rng = random.Random(seed)
    shutil.rmtree(dest, ignore_errors=True)
    content = dest / "content"
    (content / "pages").mkdir(parents=True)
    shutil.copytree(ROOT / "templates", dest / "templates")
    shutil.copy(ROOT / "site.yaml", dest / "site.yaml")
    shutil.copy(ROOT / "content" / "categories.yaml", content / "categories.yaml")
    shutil.copy(ROOT / "content" / "synonyms.yaml", content / "synonyms.yaml")
    shutil.copytree(ROOT / "content" / "pages", content / "pages", dirs_exist_ok=True)
    places = place_records(rng)
    write_places(content, places)
    spots = [f"diem-ban-{i}" for i in range(max(2, count // 50))]
    for i, spot in enumerate(spots):
        (content / "tourism" / spot).mkdir(parents=True)
        (content / "tourism" / spot / "site.yaml").write_text(
            f"name: {{vi: Điểm bán OCOP {rng.choice(NAMES)} {i}, en: {rng.choice(NAMES)} OCOP shop {i}}}\n"
            f"kind: ocop-showcase\nplace: {rng.choice(places)[0]}\n"
            f"address: \"Số {rng.randint(1, 300)} đường {rng.choice(NAMES)}, Khánh Hòa\"\n"
            f"phone: \"0258 {rng.randint(100, 999)} {rng.randint(100, 999)}\"\n"
            f"website: https://example.org/shop-{i}\n"
            f"location: {{lat: {rng.uniform(11.3, 12.9):.5f}, lon: {rng.uniform(108.6, 109.4):.5f}}}\n"
            f"opening_hours: {{vi: \"7:30–21:00 hằng ngày\", en: \"7.30 am–9 pm daily\"}}\n"
            f"directions: {{vi: \"Gần bến xe {rng.choice(PLACE_NAMES)}.\", "
            f"en: \"Near the {rng.choice(PLACE_NAMES)} bus station.\"}}\n"
            f"sources:\n  - title: Synthetic shop {i}\n    url: https://example.org/shop-source-{i}\n"
            f"    date: 2025-01-01\n",
            encoding="utf-8")
    producers = [f"chu-the-{i}" for i in range(max(1, count // 3))]
    producer_place = {p: rng.choice(places)[0] for p in producers}
    for i, producer in enumerate(producers):
        write_producer(content / "producers" / producer, rng, i, producer_place[producer])
    for i in range(count):
        producer = rng.choice(producers)
        write_product(content / "products" / f"san-pham-{i}", rng, i, producer, producer_place[producer], spots,
                      camera_photo(rng) if photos else None)
    return dest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("dest", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--photos", action="store_true", help="a generated photo per product")
    args = parser.parse_args()
    generate(args.count, args.dest, args.seed, args.photos)
    print(f"{args.count} products in {args.dest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The demo island's map: 南風島 (fictional), with its port, toilets, a shelter, beaches, food,
bikes, sights, two sacred places nobody may enter and a path closed for a ritual.

Idempotent: spots are keyed by slug; closures are added once.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from islandos.clock import now
from islandos.models.map import Closure
from islandos.services.map.editing import SpotInput, SpotTexts, save_spot
from islandos.services.map.places import spot_by_slug, tokyo_day

DEMO_ACTOR = "demo"

# slug, category, lat, lng, access, shape, ja (name, description, hours, rules), en (same)
SPOTS: tuple[tuple[str, str, float, float, str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("port", "port", 26.2010, 127.9790, "open", "point",
     ("南風港", "本島からのフェリーと高速船が着く港です。待合所に観光案内があります。",
      "待合所 7:00〜18:00", ""),
     ("Haenu Port", "Ferries and high-speed boats from the main island arrive here. "
      "The waiting room has visitor information.", "Waiting room 7:00-18:00", "")),
    ("port-toilet", "toilet", 26.2013, 127.9794, "open", "point",
     ("港のトイレ", "待合所の横にあります。多目的トイレもあります。", "7:00〜18:00", ""),
     ("Port toilets", "Next to the waiting room, with an accessible toilet.",
      "7:00-18:00", "")),
    ("beach-toilet", "toilet", 26.2092, 127.9858, "open", "point",
     ("浜のトイレ・シャワー", "南風ビーチの入口にあります。シャワーは有料です。",
      "9:00〜17:00（夏は18:00まで）", ""),
     ("Beach toilets and showers", "At the entrance to Haenu Beach. Showers cost a fee.",
      "9:00-17:00 (18:00 in summer)", "")),
    ("rental-bikes", "rental", 26.2017, 127.9800, "open", "point",
     ("港のレンタサイクル", "島をひと回りするなら自転車が便利です。1時間300円から。",
      "8:30〜17:00", "集落の中では自転車を押して歩いてください。"),
     ("Port bike rental", "Bikes are the easiest way round the island. From 300 yen an hour.",
      "8:30-17:00", "Please walk your bike through the villages.")),
    ("shelter-school", "shelter", 26.2048, 127.9821, "open", "point",
     ("南風小学校（避難所）", "津波・台風のときの避難所です。海抜18m。", "", ""),
     ("Haenu Elementary School (shelter)", "Shelter for tsunami and typhoons, 18 m above sea "
      "level.", "", "")),
    ("haenu-beach", "beach", 26.2098, 127.9866, "caution", "point",
     ("南風ビーチ", "遠浅の白い砂浜です。", "遊泳は監視員がいる 7月〜9月 10:00〜16:00",
      "砂やサンゴ、貝は持ち帰らないでください。"),
     ("Haenu Beach", "A shallow white-sand beach.",
      "Swimming with lifeguards July-September 10:00-16:00",
      "Do not take sand, coral or shells away.")),
    ("north-cape", "sight", 26.2190, 127.9920, "open", "point",
     ("北の岬", "島の北の端。晴れた日は遠くの島々が見えます。", "", ""),
     ("North Cape", "The island's northern tip; on a clear day you see the far islands.",
      "", "")),
    ("lighthouse", "sight", 26.2172, 127.9951, "open", "point",
     ("南風灯台", "白い小さな灯台です。夕日の名所。", "", ""),
     ("Haenu Lighthouse", "A small white lighthouse, famous for sunsets.", "", "")),
    ("old-well", "sight", 26.2040, 127.9838, "caution", "point",
     ("ウブガー（古井戸）", "昔から島の暮らしを支えた井戸です。", "",
      "祈りの場でもあります。水に触れず、静かにご覧ください。"),
     ("Ubugaa (old well)", "The well that kept the island alive for centuries.", "",
      "It is also a place of prayer: do not touch the water, and keep quiet.")),
    ("fishing-port", "sight", 26.1995, 127.9772, "open", "point",
     ("漁港の朝市", "日曜の朝だけ開く小さな市場です。", "日曜 7:00〜9:00", ""),
     ("Fishing port market", "A small market on Sunday mornings only.", "Sun 7:00-9:00", "")),
    ("cafe-minato", "food", 26.2021, 127.9806, "open", "point",
     ("みなと食堂", "島の魚と海ぶどうの定食。", "11:00〜14:00（水曜休み）", ""),
     ("Minato Diner", "Island fish and sea-grape set meals.", "11:00-14:00 (closed Wed)", "")),
    ("cafe-hama", "food", 26.2086, 127.9849, "open", "point",
     ("浜のかき氷屋", "夏だけ開くかき氷とぜんざいの店。", "7月〜9月 11:00〜16:00", ""),
     ("Beach shaved ice", "Shaved ice and zenzai, summer only.", "July-September 11:00-16:00",
      "")),
    ("village-store", "food", 26.2045, 127.9830, "open", "point",
     ("共同売店", "食べ物と飲み物、日用品があります。", "8:00〜19:00", ""),
     ("Village co-op store", "Food, drinks and daily goods.", "8:00-19:00", "")),
    ("sunset-beach", "beach", 26.2120, 127.9760, "caution", "point",
     ("夕日の浜", "岩場の多い小さな浜です。遊泳はできません。", "",
      "潮の流れが速いので泳がないでください。"),
     ("Sunset Beach", "A small rocky beach; no swimming.", "",
      "Strong currents: please do not swim.")),
    ("community-hall", "shelter", 26.2062, 127.9845, "open", "point",
     ("公民館（避難所）", "台風のときの避難所です。", "", ""),
     ("Community hall (shelter)", "Typhoon shelter.", "", "")),
    ("fuu-utaki", "sacred", 26.2140, 127.9895, "no_entry", "area",
     ("フウ御嶽（うたき）", "島でいちばん大切な祈りの森です。一年中、誰も入れません。", "",
      "森の中に入らないでください。道から手を合わせるだけにしてください。"),
     ("Fuu Utaki (sacred grove)", "The island's most sacred grove, closed to everyone all "
      "year.", "", "Do not enter the grove. You may pray from the road.")),
    ("agari-haisho", "sacred", 26.2075, 127.9902, "no_entry", "point",
     ("アガリ拝所", "祭祀の場です。立ち入りはできません。祭祀の日は周りの道も閉鎖します。", "",
      "立ち入り禁止です。撮影もしないでください。"),
     ("Agari prayer site", "A ritual site: no entry. On ritual days the paths around it are "
      "closed too.", "", "No entry, and no photos.")),
)
UTAKI_AREA = [[26.2150, 127.9885], [26.2150, 127.9906], [26.2131, 127.9907],
              [26.2130, 127.9884]]
RITUAL_PATH_AREA = [[26.2085, 127.9892], [26.2086, 127.9914], [26.2066, 127.9915],
                    [26.2065, 127.9891]]


def seed_map(session: Session) -> list[str]:
    added = 0
    for slug, category, lat, lng, access, shape, ja, en in SPOTS:
        if spot_by_slug(session, slug) is not None:
            continue
        save_spot(session, SpotInput(
            slug=slug, category=category, latitude=lat, longitude=lng, access=access,
            public_shape=shape, area=UTAKI_AREA if slug == "fuu-utaki" else None,
            sort_order=added, texts={"ja": SpotTexts(*ja), "en": SpotTexts(*en)}), DEMO_ACTOR)
        added += 1
    if not session.scalar(select(func.count()).select_from(Closure)):
        haisho = spot_by_slug(session, "agari-haisho")
        today, _ = tokyo_day(now())
        session.add(Closure(
            spot_id=haisho.id if haisho else None, reason_ja="祭祀のため",
            reason_en="a ritual", starts_at=today + timedelta(days=3),
            ends_at=today + timedelta(days=5), created_by=DEMO_ACTOR))
        session.add(Closure(
            area=RITUAL_PATH_AREA, name_ja="アガリ拝所の周りの小道",
            name_en="Paths around the Agari prayer site", reason_ja="祭祀の準備のため",
            reason_en="ritual preparations", starts_at=today,
            ends_at=today + timedelta(days=2), created_by=DEMO_ACTOR))
        session.flush()
    return [f"map: {added} spots added"] if added else []

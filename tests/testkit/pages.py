"""Realistic article pages for tests, with the churn real outlets serve.

``article_page(..., churn=n)`` renders the same story with different page furniture for each
``n``: a rotating newsletter box and donation appeal inside the article, a "Read more" block, a
reshuffled related-links list, a fresh timestamp, a new ad-slot id and script nonce, and
re-serialised markup. Two renderings with different ``churn`` must never differ as a story.
"""

from __future__ import annotations

import html
import random

NEWSLETTER_LINES = (
    "Sign up for our morning newsletter and never miss a story.",
    "Get the day's top headlines in your inbox. Subscribe now!",
    "Join 200,000 readers: our free newsletter, every weekday.",
)
DONATION_LINES = (
    "Support independent journalism! Donate today.",
    "A message from the editors: we rely on readers like you. Please support us.",
    "Support The Daily Record! Every contribution keeps our reporting free.",
)
RELATED = (
    ("/news/2026/11/20/port-strike", "Port strike enters third week"),
    ("/news/2026/11/21/rail-fares", "Rail fares to rise in January"),
    ("/news/2026/11/22/council-budget", "Council budget gap widens"),
    ("/news/2026/11/23/flood-defences", "Flood defences upgraded along river"),
    ("/news/2026/11/24/school-meals", "School meals programme expanded"),
)


def article_page(
    headline: str,
    paragraphs: list[str],
    *,
    byline: str = "Anna Petrova",
    churn: int = 0,
    canonical: str | None = None,
    lang: str = "en",
    charset: str = "utf-8",
    site_name: str = "The Daily Record",
) -> str:
    """A full news page for ``headline`` and ``paragraphs``; ``churn`` varies only the furniture."""
    rng = random.Random(churn)
    related = list(RELATED)
    rng.shuffle(related)
    related_items = "".join(f'<li><a href="{u}">{html.escape(t)}</a></li>' for u, t in related[:4])
    sep = "\n      " if churn % 2 else " "
    body = sep.join(f"<p>{html.escape(p)}</p>" for p in paragraphs[:2])
    rest = sep.join(f"<p>{html.escape(p)}</p>" for p in paragraphs[2:])
    canonical_tag = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
  <meta charset="{charset}">
  <title>{html.escape(headline)} | {site_name}</title>
  <meta property="og:title" content="{html.escape(headline)}">
  <meta property="og:site_name" content="{site_name}">
  {canonical_tag}
  <link rel="stylesheet" href="/static/site.css?v={rng.randrange(10**6)}">
  <script nonce="{rng.getrandbits(64):x}">window.__STATE__ = {{"session": "{rng.getrandbits(64):x}", "ab": {churn % 3}}};</script>
</head>
<body>
  <header><nav><a href="/">Home</a> <a href="/news/">News</a> <a href="/sport/">Sport</a></nav></header>
  <div class="ticker">Live: markets {'up' if churn % 2 else 'down'} {rng.randrange(1, 99) / 10}%</div>
  <main>
    <article class="story">
      <h1>{html.escape(headline)}</h1>
      <div class="byline">By <a rel="author" href="/authors/1">{html.escape(byline)}</a></div>
      <div class="timestamp">Updated {rng.randrange(2, 59)} minutes ago</div>
      <div class="share-bar"><a href="#">Share on X</a> <a href="#">Facebook</a> <a href="#">Email</a></div>
      {body}
      <div class="newsletter-signup"><p>{NEWSLETTER_LINES[churn % len(NEWSLETTER_LINES)]}</p>
        <form><input type="email" placeholder="Email"><button>Subscribe</button></form></div>
      <div class="ad-slot" id="ad-{rng.getrandbits(32):x}">Advertisement</div>
      {rest}
      <aside class="donate-appeal"><p>{DONATION_LINES[churn % len(DONATION_LINES)]}</p></aside>
      <div class="read-more"><p>Read more: <a href="{related[0][0]}">{html.escape(related[0][1])}</a></p></div>
      <section class="related-articles"><h3>Related</h3><ul>{related_items}</ul></section>
    </article>
  </main>
  <aside class="most-read"><h3>Most read</h3><ol>{related_items}</ol></aside>
  <footer><p>&copy; 2026 {site_name}. All rights reserved. Page generated at {rng.randrange(10**9)}.</p></footer>
</body>
</html>
"""


STORY_HEADLINE = "City council approves new budget after marathon session"
STORY = [
    "The city council approved a budget of 4.2 billion after a session that lasted more than twelve hours, "
    "ending a dispute that had delayed spending on schools and roads since the summer.",
    "Council members voted 31 to 18 in favour of the plan, which raises spending on public transport by "
    "12 percent and freezes hiring in most city departments until the end of next year.",
    "The mayor said the compromise protected essential services while keeping the city's finances stable. "
    "Opposition members argued that the hiring freeze would lengthen waiting times at municipal offices.",
    "Residents who attended the session in person applauded when the final vote was announced shortly "
    "after midnight, although several groups said they would continue to campaign against library cuts.",
    "The budget now goes to the regional authority, which has thirty days to review it before it takes "
    "effect on the first of January.",
]

RUSSIAN_HEADLINE = "Городской совет утвердил бюджет после многочасового заседания"
RUSSIAN_STORY = [
    "Городской совет утвердил бюджет в размере 4,2 миллиарда рублей после заседания, которое длилось более "
    "двенадцати часов и завершило спор, задержавший расходы на школы и дороги.",
    "За проект проголосовали 31 депутат, против выступили 18. План предусматривает рост расходов на "
    "общественный транспорт на 12 процентов и заморозку найма в большинстве городских ведомств.",
    "Мэр заявил, что компромисс сохраняет основные услуги и стабильность городских финансов. Оппозиция "
    "считает, что заморозка найма увеличит очереди в муниципальных учреждениях.",
    "Жители, пришедшие на заседание, встретили итоги голосования аплодисментами вскоре после полуночи.",
]

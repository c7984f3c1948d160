"""Article texts and the fixed edit script of the simulated outlet.

Everything here is FICTIONAL news written for the demo and the tests: the people, companies,
votes, figures and quotes are invented (place names are real so the prose reads naturally).
The pages never say so, on purpose: the crawler and the extractor must see ordinary news prose.

The script (:data:`SCRIPT`) is a plain data table so that a reader can see at a glance what a
demo will show. It is the same for every seed; the seed only varies the page churn. The first
three steps produce a headline edit, a body edit and a removal, so even a 45-second demo
shows all three kinds of change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArticleText:
    """The original, as-first-published text of one story and its fixed metadata."""

    slug: str
    lang: str  # "en" or "ru": drives the <html lang>, the boilerplate wording and feeds
    charset: str  # the encoding the page is served in ("utf-8" or "windows-1251")
    section: str
    headline: str
    standfirst: str
    author: str  # several authors are joined with ", "
    paragraphs: tuple[str, ...]
    caption: str
    credit: str
    tags: tuple[str, ...]
    age_hours: float = 0.0  # initial stories: published this long before the outlet started


PORT = "port-authority-approves-expansion-despite-fishermen-protests"
HOSPITAL = "hospital-waiting-lists-hit-record-as-nurses-strike-enters-third-week"
RHINE = "rhine-falls-to-lowest-level-since-1976-halting-barge-traffic"
COURT = "sud-v-ekaterinburge-oshtrafoval-mestnoe-izdanie"
TBILISI = "v-tbilisi-otkrylsya-tsentr-pomoshchi-zhurnalistam"
BANK = "central-bank-holds-rates-as-inflation-cools"
ELECTION = "election-commission-rejects-signatures-barring-opposition-candidate"
TRANSIT = "transit-strike-called-off-after-last-minute-wage-deal"

_ARTICLES: tuple[ArticleText, ...] = (
    ArticleText(
        slug=PORT, lang="en", charset="utf-8", section="Business", age_hours=5.2,
        headline="Port authority approves $1.2bn expansion despite fishermen’s protests",
        standfirst="Board votes 7–2 for deeper harbour and new quay as fishing cooperative "
        "vows to go to court.",
        author="Marta Lindqvist",
        paragraphs=(
            "The board of the Liepāja port authority voted 7–2 on Tuesday night to approve a "
            "$1.2bn expansion of the city’s container terminal, ending a six-hour meeting that "
            "was repeatedly interrupted by protesters from the local fishing cooperative.",
            "The plan, drawn up with a consortium led by the Rotterdam-based operator Nordhaven "
            "Logistics, would dredge the outer harbour to a depth of 17 metres and add 900 "
            "metres of new quay, allowing the port to handle ships carrying up to 14,000 "
            "containers.",
            "“This is the largest single investment in the city since independence,” said the "
            "authority’s chairman, Edgars Kalniņš, after the vote. “It means 1,100 permanent "
            "jobs, and it means Liepāja stays on the map.”",
            "Fishermen say the dredging will destroy spawning grounds for Baltic herring that "
            "their families have depended on for generations. Around 200 people gathered "
            "outside the authority’s building before the meeting, some holding nets and "
            "hand-painted signs reading “No fish, no future”.",
            "“Nobody asked us. They put a notice on a website in August and called it a "
            "consultation,” said Ilze Bērziņa, who chairs the cooperative. She said members "
            "would challenge the decision in the administrative court.",
            "An environmental assessment commissioned by the authority concluded that the "
            "impact on fish stocks would be “moderate and temporary”. An independent review by "
            "researchers at the Baltic Marine Research Institute, published in October, described the "
            "assessment’s sampling as “insufficient to support that conclusion”.",
            "Two board members, both appointed by the city council, voted against. One of them, "
            "Jānis Ozols, said the authority had not answered questions about who would pay if "
            "the consortium walked away before the work was finished.",
            "Construction is due to begin next spring and take four years. The authority said "
            "it would publish the full contract, with commercial details redacted, within "
            "30 days.",
        ),
        caption="Members of the fishing cooperative outside the port authority on Tuesday.",
        credit="Aivars Liepiņš / Baltic Press Images",
        tags=("ports", "environment", "latvia"),
    ),
    ArticleText(
        slug=HOSPITAL, lang="en", charset="utf-8", section="Health", age_hours=9.5,
        headline="Hospital waiting lists hit record as nurses’ strike enters third week",
        standfirst="Thousands wait more than 18 weeks for surgery as pay dispute drags on.",
        author="Daniel Okafor",
        paragraphs=(
            "The number of patients waiting for planned surgery at the Northfield regional "
            "hospital trust has reached its highest level since records began, as a strike by "
            "nurses over pay and staffing entered its third week on Monday.",
            "Figures released by the trust show 4,200 people are now waiting more than 18 weeks "
            "for an operation, up from 2,950 at the start of the year. Hip and knee "
            "replacements account for almost a third of the backlog.",
            "The nurses’ union says around 1,300 of the trust’s 3,400 nurses have "
            "taken part in the walkouts, which are scheduled for three days a week. Emergency "
            "care, maternity and intensive care are exempt.",
            "“We did not take this decision lightly,” said Grace Whitfield, a theatre nurse with "
            "22 years’ experience who has joined the picket line outside the main entrance "
            "every strike day. “Half of my team has left in two years. The ones who are still "
            "here are exhausted.”",
            "The trust’s chief executive, Paul Henshaw, said 640 operations had been postponed "
            "since the strike began and that each week of action was costing the trust about "
            "£1.5m in agency staff.",
            "“We understand the frustration of our nurses, and we share their concern about "
            "staffing,” he said in a statement. “But pay is set nationally, and the trust has "
            "no power to change it.”",
            "The health ministry said its offer of a 4.5% rise, backdated to April, remained on "
            "the table. Union officials called the offer “a real-terms pay cut” and said they "
            "would ballot members on extending the action into the new year.",
            "Patients’ groups have urged both sides to return to talks. “Every week this goes "
            "on, somebody’s knee gets worse and somebody’s cancer check gets pushed back,” said "
            "Sandra Mills of the Northfield Patients’ Forum.",
        ),
        caption="Nurses on the picket line outside Northfield General Hospital.",
        credit="Jo Barnes for Demo Gazette",
        tags=("health", "strikes"),
    ),
    ArticleText(
        slug=RHINE, lang="en", charset="utf-8", section="Environment", age_hours=14.0,
        headline="Rhine falls to lowest level since 1976, halting barge traffic at Kaub",
        standfirst="Shipping all but stops at a key bottleneck as drought hits industry "
        "along the river.",
        author="Tomasz Wójcik",
        paragraphs=(
            "Water levels on the Rhine at Kaub, a bottleneck for shipping between Mainz and "
            "Koblenz, fell to 27\u00a0centimetres on Thursday, the lowest reading since the "
            "drought summer of 1976, forcing most cargo barges to stop or sail with a fraction "
            "of their usual load.",
            "The gauge at Kaub does not measure the full depth of the river, but the shipping "
            "industry treats it as a benchmark. Below about 40\u00a0centimetres, many larger "
            "vessels cannot pass fully loaded; below 30, most operators suspend sailings.",
            "“We are carrying about a quarter of what we would carry in a normal October,” said "
            "Henrik de Vries, whose family company operates fourteen barges between Rotterdam "
            "and Basel. “Freight rates have tripled, but that doesn’t help if the boat is half "
            "empty.”",
            "Official figures show that rainfall in the Alps and the Black Forest "
            "over the past three months was 38% below the long-term average, and forecasters "
            "said no significant recovery was expected before the middle of next week.",
            "The low water is already affecting industry along the river. A chemicals plant "
            "near Ludwigshafen said it had reduced output at two units because it could not "
            "bring in enough raw materials by water, and a coal-fired power station near "
            "Karlsruhe warned it might have to cut generation.",
            "Petra Aumann, a hydrologist who has studied the Rhine basin for 30 years, said events of this kind "
            "were becoming more frequent. “What used to happen once in a generation now happens "
            "every few years,” she said. “Shipping and industry will have to plan for it.”",
            "The inland shipping association called on the government to speed up a "
            "long-delayed project to deepen the channel on the Middle Rhine, which is not "
            "expected to be completed before 2030.",
        ),
        caption="A cargo barge passes the Pfalzgrafenstein castle near Kaub.",
        credit="Lena Hartmann / Rhein Foto",
        tags=("environment", "drought", "shipping"),
    ),
    ArticleText(
        slug=COURT, lang="ru", charset="utf-8", section="Россия", age_hours=20.0,
        headline="Суд в Екатеринбурге оштрафовал местное издание на 800 тысяч рублей "
        "за статью о застройке парка",
        standfirst="Редакция «Уральского наблюдателя» называет решение показательным "
        "и намерена его обжаловать.",
        author="Ольга Миронова",
        paragraphs=(
            "Октябрьский районный суд Екатеринбурга оштрафовал интернет-издание «Уральский "
            "наблюдатель» на 800\u00a0тысяч рублей по иску девелоперской компании «Исеть-Строй». "
            "Поводом стала опубликованная в июле статья о вырубке деревьев в лесопарке у "
            "Шарташского озера.",
            "Компания утверждала, что материал содержит «не соответствующие действительности "
            "сведения, порочащие деловую репутацию». Суд согласился с истцом в трёх из пяти "
            "спорных фрагментов, в том числе в том, где говорилось о «негласном согласовании» "
            "проекта с мэрией.",
            "Главный редактор издания Сергей Власов назвал решение «показательным». «Мы "
            "опирались на документы из открытых источников и на слова двух сотрудников "
            "администрации. Суд отказался вызывать их в качестве свидетелей»,\u00a0— сказал он.",
            "По словам Власова, для небольшой редакции из шести человек штраф сопоставим с "
            "годовым бюджетом. Издание объявило сбор средств и за первые сутки получило около "
            "240\u00a0тысяч рублей от читателей.",
            "В «Исеть-Строе» сообщили, что удовлетворены решением суда, и потребовали удалить "
            "статью с сайта. Представитель компании добавил, что застройщик «всегда открыт к "
            "диалогу с журналистами».",
            "Юрист правозащитной организации «Медиа-Защита» Наталья Крылова отметила, что иски "
            "о защите деловой репутации всё чаще используются против региональных СМИ. «Сумма "
            "не обязательно должна быть огромной. Достаточно, чтобы редакция в следующий раз "
            "подумала, стоит ли писать»,\u00a0— сказала она.",
            "Редакция намерена обжаловать решение в Свердловском областном суде. Апелляцию "
            "планируется подать в течение месяца.",
        ),
        caption="Вырубка в лесопарке у Шарташского озера, июль.",
        credit="Фото: Игорь Сафронов",
        tags=("press-freedom", "russia", "courts"),
    ),
    ArticleText(
        slug=TBILISI, lang="ru", charset="windows-1251", section="Мир", age_hours=30.0,
        headline="В Тбилиси открылся центр помощи журналистам, вынужденным покинуть Россию",
        standfirst="Сорок рабочих мест, юристы и тренинги по цифровой безопасности — "
        "бесплатно на срок до шести месяцев.",
        author="Анна Королёва",
        paragraphs=(
            "В Тбилиси в понедельник начал работу центр поддержки журналистов-эмигрантов. Он "
            "разместился в бывшем здании типографии в районе Ваке и рассчитан на 40 рабочих "
            "мест.",
            "Проект финансируют несколько европейских фондов, поддерживающих независимые СМИ. "
            "Бюджет на первый год составляет около 350\u00a0тысяч евро, рассказала одна из "
            "основательниц центра Екатерина Долгова, до 2022 года работавшая редактором в "
            "петербургском издании.",
            "«Люди приезжают с одним рюкзаком. Им нужны не только стол и интернет, но и "
            "юридическая консультация, помощь с банковским счётом, иногда психолог»,\u00a0— "
            "сказала Долгова.",
            "По оценкам организаторов, в Грузии сейчас живут и работают не менее 300 российских "
            "журналистов. Многие из них продолжают писать для изданий, заблокированных в "
            "России, и получают гонорары через посредников.",
            "Центр также будет проводить тренинги по цифровой безопасности. По словам "
            "координатора программы Давида Беридзе, за последний год несколько журналистов, "
            "живущих в Тбилиси, сообщали о попытках взлома их почты и мессенджеров.",
            "Часть эмигрировавших журналистов опасается, что ситуация в самой Грузии может "
            "измениться. «Мы понимаем, что ничего не гарантировано. Поэтому помогаем людям и с "
            "документами для переезда дальше, если он понадобится»,\u00a0— отметила Долгова.",
            "В первую неделю в центр записались 57 человек. Заявки принимаются через сайт "
            "проекта; рабочие места предоставляются бесплатно на срок до шести месяцев.",
        ),
        caption="Рабочий зал центра в районе Ваке.",
        credit="Фото: Нино Кавтарадзе",
        tags=("press-freedom", "exile-media", "georgia"),
    ),
    ArticleText(
        slug=BANK, lang="en", charset="utf-8", section="Economy", age_hours=3.1,
        headline="Central bank holds rates at 4.5% as inflation cools",
        standfirst="Three of nine policymakers vote for a cut as price growth slows to 3.1%.",
        author="Priya Raman",
        paragraphs=(
            "The central bank left its main interest rate unchanged at 4.5% on Wednesday for "
            "the fourth meeting in a row, saying inflation was falling faster than it had "
            "expected in the summer but that it wanted more evidence before cutting borrowing "
            "costs.",
            "Annual consumer price inflation slowed to 3.1% in October from 3.8% in September, "
            "according to the statistics office, the lowest rate in more than two years. Food "
            "prices rose by 2.4%, while energy prices fell for a third consecutive month.",
            "“We are moving in the right direction, but the job is not finished,” the bank’s "
            "governor, Helena Marek, told reporters. “Services inflation remains too high, and "
            "wage growth is still running well above what is consistent with our target.”",
            "Six of the nine members of the monetary policy committee voted to hold rates. Three "
            "voted for a cut of a quarter of a percentage point, up from one dissenter at the "
            "previous meeting in September.",
            "The bank’s new forecasts show inflation returning to its 2% target by the end of "
            "next year, six months earlier than projected in its previous report. Growth is "
            "expected to be a modest 0.9% this year and 1.4% next.",
            "Markets had priced in a roughly one-in-three chance of a cut. The currency rose "
            "0.4% against the euro after the announcement, and yields on two-year government "
            "bonds edged up.",
            "Economists said the split vote made a cut early next year more likely. “The "
            "direction of travel is clear,” said Tomas Lindgren, chief economist at Baltic "
            "Capital. “The question is whether they move in February or wait until the spring.”",
        ),
        caption="Governor Helena Marek at Wednesday’s press conference.",
        credit="Pool photo / Demo Gazette",
        tags=("economy", "interest-rates"),
    ),
    ArticleText(
        slug=ELECTION, lang="en", charset="utf-8", section="Politics",
        headline="Election commission rejects 14,000 signatures, barring opposition candidate "
        "from mayoral race",
        standfirst="Viktor Sandu’s campaign calls the decision political and says it will "
        "appeal to the supreme court.",
        author="Elena Petrova",
        paragraphs=(
            "The city election commission on Friday disqualified the opposition candidate "
            "Viktor Sandu from next month’s mayoral election, ruling that more than 14,000 of "
            "the signatures submitted in support of his nomination were invalid.",
            "Candidates need 25,000 valid signatures to register. Mr Sandu’s campaign submitted "
            "31,200; after the commission’s review, 17,150 were accepted.",
            "The commission said most of the rejected signatures had incomplete addresses or "
            "were written “in the same hand”. Its chairman, Ion Rusu, said the checks had been "
            "carried out by handwriting experts from the interior ministry.",
            "Mr Sandu’s campaign said it had been given two hours to examine the commission’s "
            "findings and had found dozens of cases in which signatures were rejected because "
            "of abbreviated street names. “This is not a technical decision. It is a political "
            "one,” he told supporters outside the commission’s offices.",
            "Independent observers from the Civic Monitor group said they had asked to attend "
            "the verification and had been refused. The group said it would publish its own "
            "analysis of a sample of the rejected signatures next week.",
            "The incumbent mayor, who is seeking a third term, declined to comment. Mr Sandu "
            "said he would appeal to the supreme court, which has five days to rule.",
        ),
        caption="Viktor Sandu speaks to supporters outside the election commission.",
        credit="Andrei Munteanu / Demo Gazette",
        tags=("elections", "politics"),
    ),
    ArticleText(
        slug=TRANSIT, lang="en", charset="utf-8", section="Local",
        headline="Transit strike called off after last-minute wage deal",
        standfirst="Drivers get 7% from January and 3% in July; fares frozen until the end of "
        "next year.",
        author="Daniel Okafor",
        paragraphs=(
            "A 48-hour strike by bus and tram drivers that would have shut down the city’s "
            "public transport network from Monday was called off late on Sunday after unions "
            "and the municipal transport company reached a last-minute wage agreement.",
            "Under the deal, drivers will receive a 7% pay rise from January and a further 3% "
            "in July, along with a one-off payment of €600. The unions had initially demanded "
            "12%.",
            "“It is not everything we asked for, but it is a fair compromise,” said Marek "
            "Novák, who leads the largest drivers’ union. He said members would vote on the "
            "agreement over the next two weeks.",
            "The transport company said the deal would add about €9m a year to its wage bill. "
            "Its director, Lucia Horváthová, said fares would not rise before the end of next "
            "year but did not rule out an increase after that.",
            "About 380,000 people use the city’s buses and trams on an average weekday. Schools "
            "had warned parents to make alternative arrangements, and several large employers "
            "had told staff to work from home.",
            "Talks had collapsed twice in the past month. The breakthrough came after the "
            "deputy mayor joined the negotiations on Saturday morning, according to two people "
            "involved in the talks.",
        ),
        caption="Trams parked at the central depot on Sunday evening.",
        credit="Demo Gazette",
        tags=("transport", "strikes"),
    ),
)

ARTICLES: dict[str, ArticleText] = {a.slug: a for a in _ARTICLES}
INITIAL: tuple[str, ...] = (PORT, HOSPITAL, RHINE, COURT, TBILISI, BANK)


# --- the edit script -------------------------------------------------------------------------

@dataclass(frozen=True)
class Publish:
    """A story from :data:`ARTICLES` goes live (feeds, sitemaps and the section page)."""

    slug: str


@dataclass(frozen=True)
class Headline:
    slug: str
    text: str


@dataclass(frozen=True)
class Paragraph:
    """Replace paragraph ``index`` (0-based) of the body with ``text``."""

    slug: str
    index: int
    text: str


@dataclass(frozen=True)
class Cut:
    """Delete paragraph ``index`` (0-based) from the body."""

    slug: str
    index: int


@dataclass(frozen=True)
class Append:
    slug: str
    text: str


@dataclass(frozen=True)
class Byline:
    slug: str
    author: str


@dataclass(frozen=True)
class Remove:
    """Pull a story: it disappears from listings and answers ``status`` (404 or 410)."""

    slug: str
    status: int


@dataclass(frozen=True)
class Restore:
    slug: str


Change = Publish | Headline | Paragraph | Cut | Append | Byline | Remove | Restore

BANK_HEADLINE_A = ARTICLES[BANK].headline
BANK_HEADLINE_B = "Central bank signals spring rate cut as inflation cools"

SCRIPT: tuple[tuple[Change, ...], ...] = (
    # 1. a new story; an earlier headline is quietly softened
    (Publish(ELECTION), Headline(PORT, "Port expansion approved after six-hour meeting")),
    # 2. a figure is revised and a sentence added, without a correction note
    (Paragraph(HOSPITAL, 1,
               "Figures released by the trust show 3,900 people are now waiting more than 18 "
               "weeks for an operation, up from 2,950 at the start of the year. Hip and knee "
               "replacements account for almost a third of the backlog. The trust said an "
               "earlier figure had counted some patients referred between its two sites twice."),),
    # 3. the Russian court story is pulled after the developer's demand (404 from now on)
    (Remove(COURT, 404),),
    # 4. another new story; an A/B headline test starts (A -> B)
    (Publish(TRANSIT), Headline(BANK, BANK_HEADLINE_B)),
    # 5. the A/B test flips back (B -> A)
    (Headline(BANK, BANK_HEADLINE_A),),
    # 6. a fact is fixed and a correction note appended
    (Paragraph(RHINE, 2,
               "“We are carrying about a quarter of what we would carry in a normal October,” "
               "said Henrik de Vries, whose family company operates eleven barges between "
               "Rotterdam and Basel. “Freight rates have tripled, but that doesn’t help if the "
               "boat is half empty.”"),
     Append(RHINE,
            "Correction: An earlier version of this article said Henrik de Vries’s company "
            "operates fourteen barges. It operates eleven.")),
    # 7. a co-author is added to the windows-1251 story
    (Byline(TBILISI, "Анна Королёва, Давид Беридзе"),),
    # 8. the election story is pulled for good (410 Gone)
    (Remove(ELECTION, 410),),
    # 9. the court story comes back, minus the human-rights lawyer's paragraph
    (Restore(COURT), Cut(COURT, 5)),
)

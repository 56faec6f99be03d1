"""Part of the corpus generator: see README.md in this folder."""

import random
import sys
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clients import build, phone_footer, write

# (language, expect, from, subject, body, extras) -- each a different person and situation.
MAILS = [
    (
        "en",
        "request",
        "Priya Raman <priya.raman@gmail.example>",
        "Informational interview?",
        "Hi,\n\nI'm a chemical engineer thinking about moving into supply chain planning. Would one of your planners have 20 minutes for an informational interview? I'd love to hear what the work is really like.\n\nThanks,\nPriya",
        {},
    ),
    (
        "en",
        "request",
        "tom.b@posteo.example",
        "question",
        "hi, could i talk to someone in your marketing team about what the work is like? thx",
        {},
    ),
    (
        "en",
        "request",
        "Aisha Okafor <aisha.okafor@outlook.example>",
        "Career change - a short conversation?",
        "Dear Example Firm team,\n\nAfter ten years as a primary school teacher I am considering a career change into logistics. I'm not looking for a job at this point; I would simply like to learn about the industry from someone who works in it. Could one of your managers spare half an hour?\n\nKind regards,\nAisha Okafor",
        {},
    ),
    (
        "en",
        "request",
        "Mei Lin <meilin88@yahoo.example>",
        "Recent graduate - could I pick your brain?",
        "Hello! I just graduated in data science and I'm trying to understand how data teams in logistics companies work day to day. Would anyone be up for a virtual coffee? 20-30 minutes would be amazing.\n\nBest, Mei",
        {},
    ),
    (
        "en",
        "request",
        "Carlos Mendoza <c.mendoza@proton.example>",
        "Learning about operations roles",
        "Hi there,\n\nI saw on your website that you offer conversations with managers for people curious about the industry. I'm a hospitality manager and I'd like to understand what an operations manager at a firm like yours actually does. Is that possible?\n\nCarlos",
        {},
    ),
    (
        "en",
        "request",
        "Oliver Grant <ogrant@icloud.example>",
        "Coffee chat",
        "Hey, a friend who did one of your informational interviews last year recommended it. I'm switching careers from journalism to communications and would love a coffee chat with someone on your comms team.\n\nOliver\nSent from my iPhone",
        {},
    ),
    (
        "en",
        "request",
        "Emily Chen <emily.chen@uni.example.edu>",
        "Student interested in procurement",
        "Dear Sir or Madam,\n\nI am a final-year business student. I applied for your summer internship last year but this time I'm not applying for anything: I would like to speak with someone in procurement to learn about the field before I choose my master's. Would that be possible?\n\nYours sincerely,\nEmily Chen",
        {},
    ),
    (
        "en",
        "request",
        "Ravi Patel <ravi.patel@hotmail.example>",
        "Informational interview request (CV attached for context)",
        "Hello,\n\nI'd like to request an informational interview with someone in your data engineering team. I've attached my CV so you know my background, but to be clear I'm not applying for a role - I want to understand how the work differs from what I do in banking.\n\nMany thanks,\nRavi",
        {"attach": "Ravi_Patel_CV.pdf"},
    ),
    (
        "en",
        "request",
        "Grace O'Neill <grace.oneill@eircom.example>",
        "Would love 20 minutes of your time",
        "Hi,\n\nI'm a nurse exploring a move into healthcare logistics. I have so many questions about how distribution of medical supplies works and what skills it takes. Could I speak with someone for 20 minutes sometime in December?\n\nWarmly,\nGrace",
        {},
    ),
    (
        "en",
        "request",
        "Noah Williams <noahw@gmail.example>",
        "Curious about your warehouse automation work",
        "Hi team, I'm an electrician and I'm curious about the automation side of warehouses. Would a manager be willing to tell me a bit about their role and how people get into it? Not after a job, just trying to figure out my next step. Cheers, Noah",
        {},
    ),
    (
        "en",
        "request",
        "Sophie Laurent <sophie.laurent@free.example>",
        "Informational conversation about marketing",
        "Good afternoon,\n\nI am a French designer living in Berlin and I would love to have an informational conversation with someone in your marketing department about B2B communication in logistics.\n\nThank you in advance,\nSophie Laurent",
        {},
    ),
    (
        "en",
        "request",
        "Kenji Watanabe <kenji.w@example.jp>",
        "Informational interview",
        "Dear Example Firm,\n\nMy name is Kenji and I work in retail operations in Osaka. I'm moving to Germany next year and I would like to learn about the logistics industry here. Could I have an informational interview with one of your managers? I can do video calls at any time.\n\nBest regards,\nKenji Watanabe",
        {},
    ),
    (
        "en",
        "application",
        "Mateusz Kowalski <m.kowalski@wp.example>",
        "Application for the position of warehouse supervisor",
        "Dear Hiring Manager,\n\nI am applying for the position of warehouse supervisor advertised on your website. Please find attached my CV and cover letter.\n\nKind regards,\nMateusz Kowalski",
        {"attach": "CV_Mateusz_Kowalski.pdf"},
    ),
    (
        "en",
        "application",
        "Chiara Rossi <chiara.rossi@libero.example>",
        "Internship",
        "Hello, I am looking for an internship in supply chain from March. Do you have open positions? I attach my resume.\n\nChiara",
        {"attach": "Resume_Chiara_Rossi.pdf"},
    ),
    (
        "en",
        "application",
        "Björn Larsson <bjorn.larsson@telia.example>",
        "Quick chat about open roles?",
        "Hi,\n\nI'd love a quick chat about any open roles in your data team - I'm looking for a job as a data engineer and I think I'd be a great fit. My CV is attached. Could you consider me for anything suitable?\n\nBjörn",
        {"attach": "Bjorn_Larsson_CV.pdf"},
    ),
    (
        "en",
        "application",
        "Zoë Dupont <zoe.dupont@orange.example>",
        "Job application - marketing coordinator",
        "Dear team,\n\nPlease accept my job application for the marketing coordinator vacancy. I have five years of experience in social media marketing.\n\nBest wishes,\nZoë Dupont",
        {},
    ),
    (
        "en",
        "sales",
        "Rick Sandoval <rick@fleetsave.example>",
        "Quick call to cut your fleet costs by 20%?",
        "Hi there,\n\nWe help logistics companies like yours reduce fuel and maintenance costs by up to 20% with our telematics platform. Would you have 15 minutes next week for a quick call?\n\nBest,\nRick Sandoval\nAccount Executive, FleetSave",
        {},
    ),
    (
        "en",
        "sales",
        "Jenna Fox <jenna@rankrocket.example>",
        "Your website's SEO",
        "Hello,\n\nI noticed your website isn't ranking for several important keywords. Our agency specialises in SEO for B2B companies and we'd love to send you a free audit. Can I book a call?\n\nJenna Fox | RankRocket",
        {},
    ),
    (
        "en",
        "sales",
        "Marcus Hale <marcus@talentbridge.example>",
        "Candidates for your logistics team",
        "Hi,\n\nI'm a recruiter with TalentBridge, a staffing agency. We have several pre-vetted candidates for your warehouse and planning roles. Happy to share profiles - no obligation.\n\nMarcus",
        {},
    ),
    (
        "en",
        "sales",
        "Dana Whitfield <dana@expoworld.example>",
        "Sponsorship opportunity: Logistics Summit 2027",
        "Dear Example Firm,\n\nWe would like to invite you to become a sponsor of the Logistics Summit 2027. Our packages start at EUR 4,900 and include a booth and a speaking slot. Please find our pricing attached.\n\nKind regards,\nDana Whitfield",
        {},
    ),
    (
        "en",
        "sales",
        "Leo Grant <leo@curiosity-labs.example>",
        "Learning how your team handles routing",
        "Hi,\n\nI'd love to learn how your logistics team handles route planning today. We've built a platform that helps companies like yours save up to 15% on mileage. Would you be open to a quick demo?\n\nLeo",
        {},
    ),
    (
        "en",
        "press",
        "Laura Finch <laura.finch@dailyledger.example>",
        "Press inquiry: career changers",
        "Hi,\n\nI'm a reporter at The Daily Ledger working on a story about companies that open their doors to career changers. Would someone at Example Firm be available to comment on your programme by Friday?\n\nThanks,\nLaura Finch",
        {},
    ),
    (
        "en",
        "press",
        "Sam Ortiz <sam@freightcast.example>",
        "Podcast guest?",
        "Hello! I host FreightCast, a podcast about the people behind logistics. We'd love to interview one of your managers for an episode in January. Our listeners would love to hear about your informational interview programme.\n\nSam Ortiz",
        {},
    ),
    (
        "en",
        "notification",
        "Google Calendar <calendar-notification@google.example>",
        "Invitation: Team sync @ Thu Dec 10, 2026 3pm - 3:30pm (CET)",
        "You have been invited to the following event.\n\nTeam sync\nThursday Dec 10, 2026 3pm - 3:30pm (CET)\n\nInvitation from Google Calendar",
        {"calendar": True, "noreturn": False},
    ),
    (
        "en",
        "notification",
        "LinkedIn <messages-noreply@linkedin.example>",
        "You appeared in 12 searches this week",
        "Hi Example Firm,\n\nYou appeared in 12 searches this week. See who's looking.\n\nYou are receiving LinkedIn notification emails. Unsubscribe",
        {"headers": {"List-Unsubscribe": "<https://linkedin.example/unsub>"}},
    ),
    (
        "en",
        "notification",
        "Helpdesk <support@tickets.example>",
        "[Ticket #48213] We received your request",
        "Hello,\n\nThis is an automated message: we received your request and a member of our team will get back to you. Your ticket number is 48213.\n\nPlease do not reply to this email.",
        {"headers": {"X-Autoreply": "yes"}},
    ),
    (
        "en",
        "notification",
        "Jo Berger <jo.berger@firm.example>",
        "Accepted: Informational interview: Dana Ruiz",
        "",
        {"calendar_reply": True},
    ),
    (
        "en",
        "notification",
        "Logistics Weekly <news@logisticsweekly.example>",
        "This week in logistics: port delays, rail strikes",
        "Top stories this week...\n\nView in browser | Unsubscribe",
        {"headers": {"Precedence": "bulk"}},
    ),
    (
        "en",
        "other",
        "Helen Park <helen.park@gmail.example>",
        "Thank you!",
        "Hi,\n\nI just wanted to say thank you for arranging the conversation with Sam last week. It was great talking to him and I learned a lot about how planning works. Thanks again for organising it!\n\nHelen",
        {},
    ),
    (
        "en",
        "other",
        "Frank Moss <frank.moss@example.net>",
        "Parking",
        "Hello, I have a delivery appointment at your Hamburg site tomorrow. Is there parking for a van near the gate?\n\nFrank",
        {},
    ),
    (
        "en",
        "other",
        "Lisa Meyer <lisa.meyer@uni.example.edu>",
        "Survey for my thesis",
        "Dear Sir or Madam,\n\nFor my bachelor thesis I am running a short survey (5 minutes) about sustainability in logistics. I would be grateful if someone from your company could fill it in: https://survey.example/abc\n\nBest regards,\nLisa Meyer",
        {},
    ),
    (
        "en",
        "other",
        "Bob <bob.k@example.com>",
        "Re: dinner saturday?",
        "Sounds great, see you at 7! Bring the kids.\n\nBob",
        {},
    ),
    (
        "de",
        "request",
        "Jürgen Weiß <juergen.weiss@gmx.example>",
        "Informationsgespräch",
        "Sehr geehrte Damen und Herren,\n\nich bin seit 15 Jahren in der Druckindustrie tätig und überlege, in die Logistik zu wechseln. Ich möchte mich nicht bewerben, sondern nur verstehen, wie die Arbeit in der Disposition aussieht. Wäre ein Informationsgespräch mit einer Ihrer Führungskräfte möglich?\n\nMit freundlichen Grüßen\nJürgen Weiß",
        {"raw_from": True},
    ),
    (
        "de",
        "request",
        "Leonie Fischer <leonie.f@gmx.example>",
        "Kurze Frage",
        "Hallo, ich studiere BWL und würde gern mal mit jemandem aus Ihrem Einkauf über den Berufsalltag sprechen. Wäre das möglich? LG Leonie",
        {},
    ),
    (
        "de",
        "request",
        "Hannah Müller <hannah.mueller@t-online.example>",
        "Quereinstieg in die Logistik - Austausch?",
        "Guten Tag,\n\nals Quereinsteigerin aus der Pflege interessiere ich mich für die Krankenhauslogistik. Ich würde mich sehr über einen kurzen Austausch von 20 Minuten freuen, um einen Einblick in Ihren Berufsalltag zu bekommen.\n\nViele Grüße\nHannah Müller",
        {},
    ),
    (
        "de",
        "request",
        "Felix Braun <felix.braun@mailbox.example>",
        "Gespräch über Datenteams",
        "Hallo zusammen,\n\nich bin Absolvent der Wirtschaftsinformatik und möchte gern mehr erfahren, wie ein Datenteam in einem Logistikunternehmen arbeitet. Keine Bewerbung, nur ein Gespräch unter Fachleuten, falls jemand eine halbe Stunde Zeit hat.\n\nBeste Grüße\nFelix",
        {},
    ),
    (
        "de",
        "request",
        "Lukas Schmidt <lukas.schmidt@web.example>",
        "Anfrage Informationsgespräch (Lebenslauf anbei)",
        "Sehr geehrte Damen und Herren,\n\nich würde gern ein Informationsgespräch mit jemandem aus dem Bereich Operations führen. Meinen Lebenslauf habe ich nur zur Einordnung angehängt - ich bewerbe mich nicht, sondern möchte die Branche kennenlernen.\n\nFreundliche Grüße\nLukas Schmidt",
        {"attach": "Lebenslauf_Lukas_Schmidt.pdf"},
    ),
    (
        "de",
        "application",
        "Anna Wolf <anna.wolf@web.example>",
        "Bewerbung als Werkstudentin",
        "Sehr geehrte Damen und Herren,\n\nhiermit bewerbe ich mich als Werkstudentin im Bereich Marketing. Anbei finden Sie meinen Lebenslauf und mein Anschreiben.\n\nMit freundlichen Grüßen\nAnna Wolf",
        {"attach": "Bewerbung_Anna_Wolf.pdf"},
    ),
    (
        "de",
        "application",
        "Deniz Yilmaz <deniz.yilmaz@gmx.example>",
        "Initiativbewerbung",
        "Guten Tag,\n\nich interessiere mich für eine Stelle als Disponent und sende Ihnen meine Initiativbewerbung. Über ein unverbindliches Kennenlerngespräch würde ich mich freuen.\n\nViele Grüße\nDeniz Yilmaz",
        {"attach": "Lebenslauf_Yilmaz.pdf"},
    ),
    (
        "de",
        "sales",
        "Thomas Kern <kern@digitalagentur.example>",
        "Mehr Anfragen über Ihre Website",
        "Sehr geehrte Damen und Herren,\n\nwir sind eine Agentur für Suchmaschinenoptimierung und helfen Unternehmen wie Ihrem, mehr Anfragen zu gewinnen. Gern zeige ich Ihnen in einem kostenlosen Erstgespräch, wie das funktioniert.\n\nBeste Grüße\nThomas Kern",
        {},
    ),
    (
        "de",
        "sales",
        "Sabine Roth <roth@personalplus.example>",
        "Fachkräfte für Ihr Lager",
        "Guten Tag,\n\nals Personaldienstleister stellen wir Ihnen kurzfristig Fachkräfte für Lager und Versand zur Verfügung. Darf ich Ihnen ein unverbindliches Angebot schicken?\n\nMit freundlichen Grüßen\nSabine Roth",
        {},
    ),
    (
        "de",
        "press",
        "Martin Voss <m.voss@hamburger-anzeiger.example>",
        "Presseanfrage: Quereinsteiger in der Logistik",
        "Guten Tag,\n\nich bin Journalist beim Hamburger Anzeiger und schreibe einen Artikel über Quereinsteiger in der Logistik. Wäre jemand aus Ihrem Haus bereit, mir ein paar Fragen zu Ihrem Programm zu beantworten?\n\nViele Grüße\nMartin Voss",
        {},
    ),
    (
        "de",
        "notification",
        "Microsoft Outlook <no-reply@microsoft.example>",
        "Angenommen: Informationsgespräch: Dana Ruiz",
        "",
        {"calendar_reply": True},
    ),
    (
        "de",
        "notification",
        "XING <noreply@xing.example>",
        "Sie haben 3 neue Kontaktanfragen",
        "Hallo,\n\nSie haben 3 neue Kontaktanfragen. Jetzt ansehen.\n\nSie erhalten diese E-Mail, weil Sie XING-Mitglied sind. Abmelden",
        {},
    ),
    (
        "de",
        "other",
        "Petra Lang <petra.lang@web.example>",
        "Vielen Dank!",
        "Liebes Team,\n\nvielen Dank für das tolle Gespräch mit Frau Berger letzte Woche! Es hat mir sehr geholfen. Vielleicht bewerbe ich mich später einmal bei Ihnen.\n\nHerzliche Grüße\nPetra Lang",
        {},
    ),
    (
        "de",
        "other",
        "Karl Huber <karl.huber@t-online.example>",
        "Öffnungszeiten Lager Nord",
        "Guten Tag, wann hat Ihr Lager Nord samstags geöffnet? Ich möchte ein Paket abholen. Gruß K. Huber",
        {},
    ),
    (
        "de",
        "other",
        "Oma Ilse <ilse.b@gmx.example>",
        "Weihnachten",
        "Hallo mein Schatz, kommst du an Weihnachten? Bring bitte den Kartoffelsalat mit. Deine Oma",
        {},
    ),
    (
        "de",
        "request",
        "Ümit Kaya <uemit.kaya@example.de>",
        "Austausch",
        "Hallo,\nich arbeite als Elektriker und bin neugierig, wie man in die Lagerautomatisierung kommt. Hätte jemand Zeit für ein kurzes Gespräch?\nDanke!\nÜmit",
        {"no_ctype": True},
    ),
]

CLIENTS_BY_LANG = [
    "gmail-web",
    "outlook-win",
    "apple-mail",
    "iphone",
    "thunderbird",
    "outlook-web",
    "gmail-android",
]

rng = random.Random(99)
for i, (lang, expect, frm, subject, body, extra) in enumerate(MAILS, 1):
    client = "other" if expect == "notification" else rng.choice(CLIENTS_BY_LANG)
    when = datetime(2026, 12, rng.randint(1, 8), rng.randint(7, 20), rng.randint(0, 59), tzinfo=UTC)
    to = "interviews@firm.example"
    name = f"gen-f-{i:03d}"
    domain = frm.rsplit("@", 1)[1].rstrip(">")
    if extra.get("no_ctype") or extra.get("raw_from"):
        headers = [
            f"From: {frm}",
            f"To: {to}",
            f"Subject: {subject}",
            f"Date: {when.strftime('%a, %d %b %Y %H:%M:%S +0000')}",
            f"Message-ID: <{rng.randint(10**8, 10**9)}.{i}@{domain}>",
        ]
        if not extra.get("no_ctype"):
            headers += [
                "MIME-Version: 1.0",
                'Content-Type: text/plain; charset="utf-8"',
                "Content-Transfer-Encoding: 8bit",
            ]
        raw = ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode(
            "utf-8"
        )
        if extra.get("no_ctype"):
            raw = ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n") + "\r\n").encode(
                "utf-8"
            )
        (write.__globals__["CORPUS"] / "first" / f"{name}.eml").write_bytes(raw)
        (write.__globals__["CORPUS"] / "first" / f"{name}.toml").write_text(
            f'client = "{client}"\nlanguage = "{lang}"\nexpect = "{expect}"\n'
        )
        continue
    footer = phone_footer(client, lang)
    text = body + (f"\n\n{footer}" if footer and footer not in body else "")
    if extra.get("calendar_reply"):
        m = EmailMessage()
        m["From"] = frm
        m["To"] = to
        m["Subject"] = subject
        m["Date"] = when.strftime("%a, %d %b %Y %H:%M:%S +0000")
        m["Message-ID"] = f"<{rng.randint(10**8, 10**9)}@{domain}>"
        m["Thread-Topic"] = subject.split(": ", 1)[1]
        m.set_content(
            "Jo Berger has accepted this invitation."
            if lang == "en"
            else "Die Einladung wurde angenommen."
        )
        m.add_alternative(
            "BEGIN:VCALENDAR\r\nPRODID:Microsoft Exchange Server 2010\r\nVERSION:2.0\r\nMETHOD:REPLY\r\nBEGIN:VEVENT\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:jo.berger@firm.example\r\nUID:7-meeting@firm.example\r\nDTSTAMP:20261204T101500Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            subtype="calendar",
            params={"method": "REPLY"},
        )
    else:
        m = build(
            client,
            frm,
            to,
            subject,
            when,
            text,
            "",
            rng,
            None,
            domain,
            extra_headers=extra.get("headers"),
        )
        if extra.get("calendar"):
            m.add_attachment(
                b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:abc@google.example\r\nDTSTART:20261210T140000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                maintype="text",
                subtype="calendar",
                filename="invite.ics",
            )
        if extra.get("attach"):
            m.add_attachment(
                b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
                maintype="application",
                subtype="pdf",
                filename=extra["attach"],
            )
    write("first", name, m, f'client = "{client}"\nlanguage = "{lang}"\nexpect = "{expect}"\n')
print(len(MAILS))

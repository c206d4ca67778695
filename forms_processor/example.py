"""The example cluster written by ``forms init``: an invented high school and its feeders.

Every name, address and number below is made up. Replace them with your cluster's.
"""

from __future__ import annotations

EXAMPLE_CONFIG = """\
# forms_processor configuration for one cluster of schools.
# Edit this file for your cluster. Lines starting with # are notes and are ignored.
# Money is written in quotes ("10000.00"); dates as 2027-02-05; times as 2027-02-05T12:00:00.

[cluster]
name = "Wensum Valley Cluster of Schools"
code = "WVC"                      # 2 to 5 capital letters: starts every reference (WVC-2627-AU2-014)
timezone = "Europe/London"
high_needs_allocation = "10000.00" # each school's high-level SEND allocation, to be used before applying
cap_per_application = "10000.00"   # the most one application may ask the cluster for
max_intervention_months = 12       # an intervention may last at most this long
impact_due_days = 14               # impact form due this many days after the intervention ends
retention_years = 7                # pupil rows are anonymised after this many years

[host]
name = "Alex Morgan"               # the SEND Host: checks the forms, signs the emails
email = "send.host@wensum-high.example.org"
chair = "Sam Patel"                # chair of the Working Party: signs response forms
copies = false                     # true: the Host gets a blind copy of every email to a school (needs [smtp])

[storage]
# Folders, relative to this file's folder unless absolute.
inbox = "inbox"                    # drop completed forms here
outbox = "outbox"                  # response forms, and emails when no SMTP server is set
archive = "archive"                # every file received, kept
rejected = "rejected"              # files that could not be read, each with a .reason.txt
processing = "processing"
data = "data"                      # the database: never inside the inbox
max_file_mb = 25                   # larger files are refused with a message
parse_timeout_seconds = 30         # one document may take at most this long to read
parse_memory_mb = 1024

[watch]
settle_seconds = 2                 # a file must stay unchanged this long before it is taken
rescan_seconds = 30                # the folder is scanned again this often, whatever events say

[entitlement]
pot = "120000.00"                  # the cluster's SEND allocation for the year
w_ehcp = "3"                       # weight of each pupil with an EHCP
w_support = "1"                    # weight of each pupil on SEN support
census_date = 2026-10-01           # the date the counts below were taken
top_slices = [
  { name = "Cluster educational psychologist", amount = "12000.00" },
  { name = "SENCO network training", amount = "3000.00" },
]

# Uncomment and fill in to send email through your school's mail server.
# The password is never written here: put it in the environment variable named.
# [smtp]
# host = "smtp.example.org"
# port = 587
# username = "send.host@wensum-high.example.org"
# password_env = "FORMS_SMTP_PASSWORD"
# security = "starttls"            # starttls, ssl, or plain (plain only for localhost)
# sender = "send.host@wensum-high.example.org"

# Uncomment to read forms from a mailbox.
# [imap]
# host = "imap.example.org"
# port = 993
# username = "send.forms@wensum-high.example.org"
# password_env = "FORMS_IMAP_PASSWORD"
# security = "ssl"
# folder = "INBOX"
# processed_folder = "Processed"
# quarantine_folder = "Quarantine"
# poll_seconds = 60

# Forms of the cluster's own. When schools fill in a form worded differently from the
# templates (forms templates --out DIR), say here what its labels and choices are; these
# examples change nothing until uncommented. 'forms templates learn FILE' reads such a form
# and proposes both blocks, with scores, ready to paste here.
# Labels: a field's key (shared/forms; a table's column with N for the row) = its other labels.
# [labels.application]
# senco_name = ["SENCo full name", "Name of our SENCo"]
# pupil_N_ref = ["Child's initials"]
# [labels.impact]
# pupils_supported = ["How many children took part"]
# Choices: under a choice field, a choice as the templates word it = its other wordings.
# [choices.application.area_of_need]
# "Social emotional and mental health" = ["Emotional wellbeing"]
# [choices.application.application_type]
# "Group of pupils" = ["Small group"]
# [choices.impact.next_steps]
# "Continue from school budget" = ["Keep going, paid by school"]

[[rounds]]
name = "Autumn 1 2026"
code = "AU1"
deadline = 2026-10-09T12:00:00
meeting = 2026-10-14
budget = "20000.00"

[[rounds]]
name = "Autumn 2 2026"
code = "AU2"
deadline = 2026-12-04T12:00:00
meeting = 2026-12-09
budget = "20000.00"

[[rounds]]
name = "Spring 1 2027"
code = "SP1"
deadline = 2027-02-05T12:00:00
meeting = 2027-02-10
budget = "20000.00"

[[rounds]]
name = "Spring 2 2027"
code = "SP2"
deadline = 2027-03-26T12:00:00
meeting = 2027-03-31
budget = "15000.00"

[[rounds]]
name = "Summer 1 2027"
code = "SU1"
deadline = 2027-05-21T12:00:00
meeting = 2027-05-26
budget = "15000.00"

[[rounds]]
name = "Summer 2 2027"
code = "SU2"
deadline = 2027-07-02T12:00:00
meeting = 2027-07-07
budget = "15000.00"

[[schools]]
name = "Wensum High School"
code = "WHS"
phase = "secondary"
aliases = ["Wensum High", "WHS"]
email_domains = ["wensum-high.example.org"]
senco_email = "senco@wensum-high.example.org"
headteacher = "Jordan Blake"
headteacher_email = "head@wensum-high.example.org"
ehcp = 24
sen_support = 160

[[schools]]
name = "Aldborough Primary School"
code = "ALD"
aliases = ["Aldborough"]
email_domains = ["aldborough.example.org"]
senco_email = "senco@aldborough.example.org"
headteacher = "Priya Shah"
ehcp = 4
sen_support = 31

[[schools]]
name = "Brampton C of E Primary Academy"
code = "BRA"
aliases = ["Brampton"]
email_domains = ["brampton.example.org"]
senco_email = "senco@brampton.example.org"
headteacher = "Chris Okafor"
ehcp = 2
sen_support = 18

[[schools]]
name = "Cawston Primary School"
code = "CAW"
aliases = ["Cawston"]
email_domains = ["cawston.example.org"]
senco_email = "senco@cawston.example.org"
headteacher = "Helen Ward"
ehcp = 5
sen_support = 40

[[schools]]
name = "Erpingham VC Primary School"
code = "ERP"
aliases = ["Erpingham"]
email_domains = ["erpingham.example.org"]
senco_email = "senco@erpingham.example.org"
headteacher = "Tom Reilly"
senco_is_headteacher = true        # one person holds both roles here
ehcp = 1
sen_support = 12

[[schools]]
name = "Marsham Primary School"
code = "MAR"
aliases = ["Marsham"]
email_domains = ["marsham.example.org"]
senco_email = "senco@marsham.example.org"
headteacher = "Anna Kowalski"
ehcp = 3
sen_support = 22

[[schools]]
name = "Oulton Junior School"
code = "OUL"
aliases = ["Oulton"]
email_domains = ["oulton.example.org"]
senco_email = "senco@oulton.example.org"
headteacher = "Ben Hughes"
ehcp = 6
sen_support = 35

[[schools]]
name = "St Michael's Infant School"
code = "STM"
aliases = ["St Michaels", "Saint Michael's"]
email_domains = ["stmichaels.example.org"]
senco_email = "senco@stmichaels.example.org"
headteacher = "Grace Adeyemi"
ehcp = 2
sen_support = 15

# The Working Party: members from a school do not vote on that school's applications (the
# meeting's page shows them as not voting). school: one of the schools above; user: their
# name on the web page (forms user add), when they sign in to record decisions.
[[working_party]]
name = "Priya Shah"                # headteacher
school = "Aldborough Primary School"

[[working_party]]
name = "Chris Okafor"              # headteacher
school = "Brampton C of E Primary Academy"

[[working_party]]
name = "Helen Ward"                # headteacher
school = "Cawston Primary School"

[[working_party]]
name = "Dana Reeve"                # deputy headteacher
school = "Wensum High School"

[[working_party]]
name = "Lee Carter"                # SENCO
school = "Wensum High School"

[[working_party]]
name = "Robin Hale"                # finance manager
school = "Wensum High School"

[[working_party]]
name = "Kim Osei"                  # business director
school = "Wensum High School"
# user = "kosei"
"""

"""The role table, second part: amounts of money, specific cues before general ones.
Order matters among roles of one kind (``roles.role_for``)."""

from __future__ import annotations

from collections.abc import Sequence

from apfa.advice.reading.role import CARD, Role, W, role

MONEY_ROLES: Sequence[Role] = (
    # money: specific cues first
    role(
        "amount_owed",
        "money",
        before=r"owe\w*\s+(?:about\s+|around\s+)?",
        after=r"(?:still\s+)?(?:owed\s+)?on\s+(?:my|the|our)\s+(?:current\s+|old\s+)?(?:car|truck|suv|vehicle)",
        strong=True,
    ),
    role(
        "earnest_money",
        "money",
        before=rf"earnest\s+money\b{W}|(?:deposit|emd)\s+(?:of\s+)?",
        after=r"in\s+earnest(?:\s+money)?",
        strong=True,
    ),
    role(
        "seller_credit",
        "money",
        before=rf"seller\s+(?:credit|concessions?|(?:is\s+)?(?:paying|covering|giving))\b{W}"
        r"|seller\s+(?:(?:has\s+)?agreed\s+to\s+|will\s+|is\s+going\s+to\s+|offered\s+(?:to\s+)?)"
        r"(?:put|pay|cover|give|contribute|credit|chip\s+in)\w*\s+(?:us\s+|me\s+)?",
        after=r"(?:in|of)\s+seller\s+(?:credit|concessions?)|(?:credit|back)\s+from\s+the\s+seller",
        strong=True,
    ),
    role(
        "emergency_reserve",
        "money",
        before=r"(?:keep|leave|hold|set\s+aside)\s+(?:about\s+|around\s+)?",
        after=r"(?:as\s+|for\s+)(?:an?\s+|our\s+|my\s+)?(?:emergency|cushion|reserves?|rainy)",
        strong=True,
    ),
    role(
        # "need 45k for a kitchen reno", "cash out 40k": money to take out of a home's equity
        "cash_needed",
        "money",
        before=r"(?:cash\s+out|pull\s+out|tap|take\s+out)\s+(?:about\s+|around\s+)?",
        after=r"(?:for|to\s+(?:do|fund|pay\s+for|cover))\s+(?:a\s+|the\s+|my\s+|our\s+|some\s+)?"
        r"(?:new\s+)?(?:kitchen|bath\w*|reno\w*|remodel\w*|repairs?|roof|addition|project|"
        r"home\s+improvements?|upgrades?|renovation\w*)",
        per="once",
        strong=True,
    ),
    role(
        "savings_goal",
        "money",
        before=r"(?:save|saving|save\s+up|saving\s+up|put\s+away)\s+(?:about\s+|around\s+)?",
        # "paid 425k for the house" is a price (the grammar reads it), not a goal; "saving
        # 50k for a house" still is one, by the cue before it
        after=r"(?:for|by)\s+(?:a|an|the|my|our)\s+(?!emergency|rainy|cushion|reserve|\d|"
        r"(?:new\s+)?(?:house|home|condo|place|townhouse|property|apartment)\b|"
        r"(?:new\s+)?(?:kitchen|bath|reno|remodel|repair|roof|addition|renovation))",
        per="once",
        strong=True,
    ),
    role(
        "points_cost",
        "money",
        strong=True,
        before=r"points?\s*(?:\(|cost(?:s|ing)?\s+|for\s+|at\s+|=\s*)",
        after=r"(?:in|for|of|worth\s+of)\s+(?:discount\s+)?points|to\s+buy\s+(?:down\s+)?the\s+rate",
    ),
    role(
        "loan_amount",
        "money",
        before=r"(?:borrow\w*|financ\w*|loan\s+(?:amount|of|for)|mortgage\s+(?:of|for))\s+(?:about\s+|around\s+)?",
        after=r"(?:\w+\s+)?(?:loan|mortgage|heloc|refi(?:nance)?|note)\b|(?:borrowed|financed)\b"
        r"|\d{1,2}[- ]?(?:yrs?|years?)\b|(?:\d{1,2}[- ]?(?:yrs?|years?)\s+)?(?:fixed|arm)\b",
    ),
    role(
        "due_at_signing",
        "money",
        after=r"(?:due\s+)?at\s+signing|down\s+at\s+signing",
        strong=True,  # "lease: 2,500 due at signing": not the lease's monthly payment
    ),
    role(
        "lease_payment",
        "money",
        before=rf"lease\w*\b{W}|(?:due\s+)?at\s+signing\s*(?:\+|plus|and|,|then)\s*",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+)?(?:to\s+)?lease"
        r"|(?:for\s+\d+\s+months?\s+)?(?:on|for)\s+(?:a|the|my|this)\s+lease",
        per="month",
    ),
    role(
        "trade_in_value",
        "money",
        before=rf"trad(?:e|ing)(?:-|\s)?in\b{W}|trade\s+it\s+in\s+for\s+",
        after=r"(?:for\s+(?:the\s+|my\s+)?)?trade(?:-|\s)?in"
        r"|for\s+(?:it|my\s+(?:old\s+|current\s+)?(?:car|truck|suv))\b",
    ),
    role("residual_value", "money", before=rf"residual\b{W}"),
    role(
        "payday_fee",
        "money",
        before=r"(?:charges?|fee\s+(?:is|of|was|will\s+be))\s*",
        after=r"(?:fee\s+)?(?:for\s+every|per|for\s+each)\s+\$?\d",
    ),
    role("payday_amount", "money", after=r"(?:payday|pay\s+day|title)\s+loan", strong=True),
    role(  # "house payment all in is 2,400", "paying 1,439 P&I"
        "current_payment",
        "money",
        before=rf"(?:house|home|housing|mortgage)\s+payments?\b{W}"
        r"|mortgage\s+(?:is|of|=|runs?)\s*(?:about\s+|around\s+)?"
        r"|\bp\s?&\s?i\s*[:=]?\s*(?:about\s+|around\s+)?",  # "P&I 1,844.82"
        after=r"(?:a\s+month\s+|/mo\s+|per\s+month\s+)?(?:in\s+)?"
        r"(?:p\s?&\s?i|p\s?and\s?i|principal\s+(?:and|&)\s+interest|piti)\b"
        # "with a 1,650 mortgage payment": the housing payment, not a loan of 1,650
        r"|(?:a\s+month\s+|/mo\s+)?(?:mortgage|house|housing|home)\s+(?:payment|pmt)s?\b",
        strong=True,
    ),
    role(
        "current_payment",
        "money",
        before=rf"(?:payments?|months?)\s+behind\b{W}",
        per="month",
        strong=True,
    ),
    role(
        "cosign_payment",
        "money",
        before=rf"co-?\s?sign\w*\b{W}",
        per="month only",  # "cosign her 26k car loan": the loan, not its payment
        strong=True,
    ),
    role(
        "rollovers",
        "number",
        before=r"roll(?:ing|ed)?\s+(?:it|the\s+loan|them)?\s*(?:over\s+)?",
        after=r"(?:more\s+)?(?:times|rollovers)\b",
        strong=True,
    ),
    role(
        "monthly_fee_pct",
        "percent",
        after=r"(?:a|per|each|every)\s+month\b|monthly\b",
        strong=True,
    ),
    role(
        "plan_payment",
        "money",
        before=rf"(?:chapter\s+13|ch\.?\s*13|bankruptcy|repayment|trustee)\s+(?:plan|payment)\b{W}",
        per="month",
        strong=True,
    ),
    role("late_fee", "money", before=rf"late\s+fees?\b{W}", after=r"late\s+fees?"),
    role(
        "hoa_monthly",
        "money",
        before=rf"hoa\b{W}",
        after=r"(?:a\s+month\s+|/mo\s+|monthly\s+)?(?:in\s+)?hoa",
        per="month",
    ),
    role(
        "mortgage_interest_paid",
        "money",
        before=rf"mortgage\s+interest\s+(?:paid\s+)?(?:was|is|of|came\s+to|:){W}",
        after=r"(?:in\s+|of\s+)?mortgage\s+interest",
        strong=True,
    ),
    role(
        "severance",
        "money",
        before=rf"severance\b{W}",
        after=r"(?:in\s+|of\s+)?severance",
        strong=True,
    ),
    role(
        "withdrawal_amount",
        "money",
        before=r"(?:took|take|taking|withdr[ae]w\w*|cash(?:ed|ing)?\s+out|pull(?:ed|ing)?(?:\s+out)?)",
        after=r"(?:out\s+)?(?:of|from)\s+(?:my\s+|our\s+|a\s+)?(?:401|403|457|ira|roth|retirement|tsp)",
        strong=True,
    ),
    # "taxes + insurance should be around 520/mo", "escrow is 610": both, a month
    role(
        "taxes_insurance_monthly",
        "money number",
        before=rf"(?:(?:property\s+)?tax(?:es)?\s*(?:\+|and|&|n)\s*(?:home\s*owners?\s+)?ins(?:urance)?|"
        rf"t\s?&\s?i|escrow(?:\s+payment)?)\b{W}",
        after=r"(?:a\s+month\s+|monthly\s+)?(?:in|for)\s+(?:taxes\s+(?:and|&|\+)\s+insurance|t\s?&\s?i|escrow)",
        per="month",
        strong=True,
    ),
    # "pmi would be about 165", "pmi quoted 140/mo": the premium a month (a percent is its rate)
    role(
        "pmi_monthly",
        "money number",
        before=rf"(?:pmi|mip|mortgage\s+insurance)\b{W}",
        after=r"(?:a\s+month\s+|monthly\s+)?(?:in|for|of)\s+(?:pmi|mip|mortgage\s+insurance)\b",
        per="month",
        strong=True,
    ),
    # "taxes 3,600/yr": a home's property tax (not "after taxes", "pre-tax", "tax refund")
    role(
        "property_tax_annual",
        "money",
        before=r"(?<!after\s)(?<!pre-)(?<!before\s)\btax(?:es)?\s*(?:(?:are|is|of|about|around|~|:|=)\s*)*",
        strong=True,
    ),
    role(
        "insurance_annual",
        "money",
        before=r"(?<!health\s)(?<!life\s)(?<!car\s)(?<!auto\s)(?<!renters\s)(?<!disability\s)"
        r"\binsurance\s*(?:(?:is|of|about|around|~|:|=)\s*)*",
    ),
    role(
        "property_tax_annual",
        "money",
        before=rf"property\s+tax\w*\b{W}",
        after=r"(?:a\s+year\s+|/yr\s+)?(?:in\s+(?:property\s+)?tax|property\s+tax)",
        strong=True,
    ),
    role(
        "insurance_annual",
        "money",
        before=rf"(?:homeowners?|home)\s+insurance\b{W}",
        after=r"(?:a\s+year\s+)?(?:in\s+|for\s+)?(?:homeowners?\s+)?insurance",
    ),
    role(
        "closing_costs",
        "money",
        before=rf"closing\s+costs?\b{W}",
        after=r"(?:in\s+|for\s+)?closing\s+costs?|in\s+(?:costs|fees)\b",
    ),
    role(
        "payment_reduction",
        "money",
        before=r"(?:cut|lower|drop|reduce|shave)\w*\s+(?:my\s+|the\s+|our\s+)?(?:monthly\s+)?"
        r"(?:payment|pmt|bill)s?\s+(?:by\s+)?(?:about\s+|around\s+|only\s+)?"
        r"|(?:saves?|saving)\s+(?:me|us)\s+(?:about\s+|around\s+|only\s+|just\s+)?",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+)?(?:lower|less)\s+(?:payment|a\s+month|per\s+month|each\s+month)",
        per="month",
        strong=True,
    ),
    role(
        "credit_limit", "money", before=rf"(?:credit\s+)?limit\b{W}", after=r"(?:credit\s+)?limit"
    ),
    role(
        "take_home_monthly",
        "money",
        strong=True,
        before=rf"(?:take[- ]home|net\s+pay|after\s+tax(?:es)?|bring\s+home)\b{W}",
        after=r"(?:take[- ]home|after\s+tax)",
        per="month",
    ),
    role("agi", "money", before=rf"(?:agi|adjusted\s+gross)\b{W}", after=r"agi\b"),
    role(
        "rent",
        "money",
        before=rf"rent\w*\b{W}",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+|monthly\s+)?(?:in|for|on)\s+rent|rent\b",
        per="month",
    ),
    role(
        "monthly_expenses",
        "money",
        before=rf"(?:expenses?|spend\w*|bills|cost\s+of\s+living|essentials)\b{W}",
        after=r"(?:a\s+month\s+|/mo\s+|monthly\s+)?(?:in\s+)?(?:expenses|bills|essentials)",
        per="month",
    ),
    role(
        "monthly_debt_payments",
        "money",
        before=r"(?:minimum\s+)?payments?\s+(?:on|for)\s+(?:everything|all\s+(?:my\s+|our\s+|of\s+(?:my\s+|our\s+)?)?debts?|all\s+of\s+(?:it|them))"
        r"\s+(?:are|is|come\s+to|total\w*|=)?\s*(?:about\s+|around\s+)?",
        strong=True,
    ),
    role(
        "min_payment",
        "money",
        before=rf"minimum\w*\b{W}|min\s+",
        after=r"(?:a\s+month\s+)?minimums?",
    ),
    role(
        "extra_payment",
        "money",
        before=rf"extra\b{W}",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+)?(?:extra|more\s+(?:a|per|each)\s+month)",
        per="month",
    ),
    role(
        "extra_payment",
        "money number",
        # "bump it up by 200", "raise my payment by 150": more each month
        before=r"(?:bump|rais|increas|boost|up)\w*\s+(?:it|that|this|the\s+payments?|"
        r"my\s+payments?)\s+(?:up\s+)?by\s+(?:another\s+|an?\s+(?:extra\s+)?)?",
        per="month",
    ),
    role(
        "monthly_contribution",
        "money",
        before=rf"(?:invest\w*|contribut\w*|put(?:ting)?\s+in(?:to)?|add(?:ing)?)\b{W}",
        after=r"(?:a\s+month\s+|per\s+month\s+|/mo\s+)?(?:into|in|to)\s+(?:an?\s+|my\s+|the\s+)?"
        r"(?:index|fund|roth|ira|401|brokerage|stock|invest|sav\w*|hysa|high[- ]yield|"
        r"money\s+market|cds?\b|acc(?:oun)?t)",
        per="month only",
        strong=True,
    ),
    role(
        "payment_budget",
        "money number",
        # "and if i pay 250": what would be paid each month
        before=r"\b(?:if\s+(?:i|we)|i\s+(?:could|can|will)|i'?ll|we'?ll)\s+pay\s+"
        r"(?:about\s+|around\s+|like\s+)?",
        per="month",
    ),
    role(
        "payment_budget",
        "money",
        # "... and pays 85 a month": what someone pays each month
        before=r"(?:\band\s+|\bthen\s+|^|[.,;]\s*)pay(?:s|ing)?\s+(?:about\s+|around\s+|only\s+)?",
        per="month only",
    ),
    role(
        "payment_budget",
        "money",
        before=rf"(?:(?:can|could)\s+(?:only\s+)?(?:pay|afford|put|throw|swing|do)|(?:if\s+)?(?:i|we|he|she|they)\s+(?:pays?|paid|puts?|threw|throw)|budget\w*|toward[s]?|put(?:ting)?|throw\w*)\b{W}",
        per="month",
    ),
    role(
        "monthly_savings",
        "money",
        before=rf"(?:sav(?:e|ing)|put\s+away|set\s+aside)\b{W}",
        per="month",
    ),
    role(
        "savings",
        "money",
        before=rf"(?:saved|savings|emergency\s+fund|in\s+the\s+bank)\b{W}",
        after=r"(?:in\s+|of\s+)?(?:savings|saved|the\s+bank|cash|an?\s+emergency\s+fund|emergency)"
        r"|(?:in\s+)?total\b(?!\s+(?:debt|interest|income|cost|balance))",
        per="once",
    ),
    role(
        "retirement_balance",
        "money",
        before=rf"\b(?:401|ira|retirement|vested)\w*\b{W}",
        after=r"(?:in\s+(?:my\s+|a\s+)?)?(?:401|ira|retirement|vested)"
        r"|in\s+it\W+(?:all\s+|fully\s+)?vested",
    ),
    role(
        "loan_balance",
        "money",
        before=rf"(?:balance|owe|owing|left\s+on|remaining|payoff)\b{W}",
        after=r"(?:left|remaining|balance|owed|still\s+owed|to\s+go)",
    ),
    role(
        "student_balance",
        "money",
        after=r"(?:in\s+|of\s+)?(?:federal\s+|private\s+)?student\s+(?:loans?|debt)",
    ),
    role(
        "card_balance",
        "money",
        # "i'd move 7,800", "transferring 5k": the balance a transfer would move
        before=rf"{CARD}\b{W}|(?:move|moving|transfer|transferring|shift|shifting)\s+(?:over\s+)?"
        r"(?:about\s+|around\s+|the\s+|my\s+)?",
        after=rf"(?:in\s+|of\s+|on\s+(?:a\s+|my\s+|the\s+|two\s+|\w+\s+)?)?(?:credit\s+)?{CARD}"
        # "moving 9,600 from my 26% card"
        rf"|(?:from|off)\s+(?:my|the|a|our)\s+(?:[\w.%]+\s+){{0,2}}(?:credit\s+)?{CARD}"
        # "moving 7,200 to a card that's 0%"
        rf"|to\s+(?:a|another|the|my|new)\s+(?:[\w.%]+\s+){{0,2}}(?:credit\s+)?{CARD}",
    ),
    role(
        "debt_amount",
        "money",
        before=rf"(?:collect\w*|collection\w*)\b{W}",
        after=r"(?:in\s+|to\s+)?(?:collections?|a\s+collector|debt\s+collect)",
    ),
    role(
        "car_price",
        "money",
        before=rf"(?:car|truck|suv|vehicle|jeep|sedan)\b{W}|new\s+one\s+(?:is|costs?|was|for)\s+",
        after=r"(?:new\s+|used\s+)?(?:car|truck|suv|vehicle)\b|out\s+the\s+door|otd\b",
        per="once",  # "$450 a month for the car" is a payment, never a price
    ),
    role(
        "home_value",
        "money",
        before=r"(?:(?:is|it'?s|its|now)\s+)?(?:worth|valued\s+at|appraised\s+(?:at|for)|apprais\w+\s+(?:is|was|came\s+in\s+at|comes?\s+(?:in|back)\s+(?:at|for))|value\s+(?:is|of))\s+(?:about\s+|around\s+|maybe\s+)?",
        after=r"(?:now\s+|today\s+)?(?:in\s+)?(?:value|appraisal|apprais\w+)",
        strong=True,
    ),
    role(
        "home_price",
        "money",
        before=r"(?:bought|purchased)(?:\s+(?:it|the\s+(?:house|home|place|condo)|(?:my|our)\s+(?:house|home|place|condo)))?"
        r"(?:\s+\w+\s+\w+\s+ago)?\s+(?:at|for)\s+(?:about\s+|around\s+)?",
        strong=True,
    ),
    role(
        "home_price",
        "money",
        before=rf"(?:houses?|homes?|condos?|townhouses?|place|property|price|priced|listed|asking|buying|buy|purchas\w*)\b{W}",
        after=r"(?:\w+\s+)?(?:house|home|condo|townhouse|property|place)\b",
        per="once",
    ),
    role(
        "down_payment",
        "money",
        after=r"(?:(?:in\s+)?cash\s+)?down\b(?!\s+(?:to|from)\b)",
        before=r"down\s+payment\s+(?:of|is)?\s*",
        strong=True,  # "putting 2k cash down" is a down payment, not a monthly budget
    ),
    role(
        "annual_income",
        "money",
        before=rf"(?:make|making|earn|earning|salary|income|gross)\b{W}",
        after=r"(?:a\s+year\s+)?(?:salary|income|gross)\b",
    ),
    role(
        "current_payment",
        "money",
        before=r"(?:payment|payments|p&i|p\s?and\s?i|pmt)\s+(?:is|are|of|was|runs|=|:)\s*(?:about|around|roughly)?\s*"
        r"|(?:currently|already|now)\s+pay(?:ing)?\s+(?:about\s+|around\s+)?"
        r"|(?:i'?m|we'?re|am|are)\s+paying\s+(?:about\s+|around\s+)?",
        per="month",
    ),
    role(
        "invested_amount",
        "money",
        before=rf"(?:invest\w*|lump\s+sum|put)\b{W}",
        # "i have 10k to invest", "got 5k and zero idea how to start investing"
        after=r"(?:to\s+invest\b|(?:\w+\s+){0,6}?(?:start\s+)?investing\b)",
        per="once",
    ),
)

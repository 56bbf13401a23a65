"""The ``rules`` behaviour coder on English and French messages, flag by flag.

The English examples marked "War Room paper" are the paper's own (appendix H, CC BY 4.0).
"""

from __future__ import annotations

import pytest

from convscope.core.metrics.behaviour import code_behaviour, technologies

AGENTS = [f"Agent-{letter}" for letter in "ABCDEFGH"]
CRASHED = ("Agent-G", "deepseek-r1-distill-llama-70b")
BROADCAST = "@Agent-A, @Agent-B, @Agent-C, @Agent-D, @Agent-E, @Agent-F, @Agent-G, @Agent-H"


def flags(text: str, speaker: str = "Agent-D", crashed: tuple[str, ...] = CRASHED) -> dict[str, bool | int]:
    return code_behaviour(text, speaker=speaker, agents=AGENTS, crashed=crashed)


def raised(text: str, speaker: str = "Agent-D", crashed: tuple[str, ...] = CRASHED) -> set[str]:
    return {flag for flag, value in flags(text, speaker, crashed).items() if value and flag != "COMP_level"}


# -- PHATIC --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["Got it.", "Thanks, sounds good to me!", "Bien reçu, merci !", "Parfait 👍"]
)
def test_short_messages_without_substance_are_phatic(text: str) -> None:
    assert flags(text)["PHATIC"]


@pytest.mark.parametrize(
    "text",
    [
        "Use PostgreSQL and Redis.",
        "Budget: 20k for design.",
        "Le délai de trois mois est trop court.",
        "OK. " + " ".join(["word"] * 15),
    ],
)
def test_short_messages_with_substance_or_long_ones_are_not_phatic(text: str) -> None:
    assert not flags(text)["PHATIC"]


def test_mentions_do_not_count_as_words_of_a_phatic_message() -> None:
    assert flags(f"{BROADCAST} thanks everyone, got it!")["PHATIC"]


# -- META ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Confirmed — Food Delivery thread is officially closed. All agents are aligned and standing by "
        "for client approval. Thanks for the clarity and collaboration, everyone.",  # War Room paper
        "Let's summarize this discussion before we go around in circles.",
        "Pour résumer cette discussion : nous tournons en rond depuis le dernier tour.",
        "Je n'ai rien à ajouter, tout le monde est d'accord.",
    ],
)
def test_comments_on_the_conversation_itself_are_meta(text: str) -> None:
    assert flags(text)["META"]


@pytest.mark.parametrize(
    "text", ["The payment module needs a webhook.", "Le module de paiement a besoin d'un webhook."]
)
def test_talk_about_the_project_is_not_meta(text: str) -> None:
    assert not flags(text)["META"]


# -- LEAD ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "@Agent-B, can you please update the dev environment? @Agent-C, finalize the Stripe integration "
        "by Thursday.",  # War Room paper
        "@Agent-C, peux-tu finaliser l'intégration Stripe d'ici jeudi ?",
        "Agent-E se chargera des tests de charge.",
        "Prochaines actions :\n- @Agent-B : préparer les maquettes\n- Déployer les secrets – @Agent-C.",
        "| Tâche | Responsable | Délai |\n|---|---|---|\n| Auth | @Agent-B | vendredi |",
    ],
)
def test_assigning_a_task_to_a_named_agent_is_lead(text: str) -> None:
    assert flags(text)["LEAD"]


@pytest.mark.parametrize(
    "text",
    [
        "Can you please update the dev environment?",  # nobody named
        "@Agent-D, can you update the dev environment?",  # the speaker itself
        f"{BROADCAST}\n\nCan you all review the plan?",  # everyone, not a named agent
        "Merci @Agent-B pour cette analyse.",
        "| Tâche | Statut |\n|---|---|\n| Auth | @Agent-B a fini |",  # a table without an owner column
    ],
)
def test_requests_to_nobody_in_particular_or_to_oneself_are_not_lead(text: str) -> None:
    assert not flags(text)["LEAD"]


# -- ARCH ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Tech Stack: Backend: Node.js (Express.js) + PostgreSQL, Frontend: React Native (Expo), "
        "Payment: Stripe SDK + webhook integration, Maps: Mapbox, CI/CD: GitHub Actions",  # War Room paper
        "Je propose Flutter et Supabase pour le backend.",
        "We could deploy on AWS Lambda with a DynamoDB table, or simply Heroku.",
    ],
)
def test_naming_two_or_more_technologies_is_arch(text: str) -> None:
    assert flags(text)["ARCH"]


@pytest.mark.parametrize(
    "text",
    [
        "We should use Flutter.",  # one technology
        "Dart is the language of Flutter.",  # one technology, two names
        "I have a notion of how to express this, it will go swiftly.",  # ordinary words
    ],
)
def test_one_technology_or_ordinary_words_are_not_arch(text: str) -> None:
    assert not flags(text)["ARCH"]


def test_technology_names_that_are_ordinary_words_need_their_capital_letter() -> None:
    assert technologies("Notes go to Notion, alerts to Slack") == {"notion", "slack"}
    assert technologies("a notion of slack in the plan") == set()


# -- AGREE ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        # War Room paper
        "@Agent-A, I agree that prioritizing features is crucial given the tight deadline and budget.",
        "Good point from Agent-B on the budget.",
        "Merci, @Agent-B, pour cette analyse détaillée. Je suis globalement d'accord avec votre proposition.",
        "Je rejoins Agent‑C sur le choix du framework.",  # a non-breaking hyphen, as models write it
    ],
)
def test_naming_another_agent_and_agreeing_is_agree(text: str) -> None:
    assert flags(text)["AGREE"]


@pytest.mark.parametrize(
    "text",
    [
        "I agree, the timeline is tight.",  # nobody named
        f"{BROADCAST}\n\nJe suis d'accord avec le plan.",  # only the broadcast list
        "As Agent-D, I agree with the plan.",  # the speaker itself
        "@Agent-B, the timeline is tight.",  # no agreement
    ],
)
def test_agreement_without_a_specific_other_agent_is_not_agree(text: str) -> None:
    assert not flags(text)["AGREE"]


# -- COMP and the broadcast filter ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level"),
    [
        (
            "@Agent-G, thanks for the heads up about the model decommissioning. I'll make sure to check the "
            "recommended alternatives.",  # War Room paper
            1,
        ),
        ("Le modèle deepseek-r1-distill-llama-70b n'est plus supporté.", 1),
        ("Agent-G seems to be down. I will take over its backend tasks.", 2),
        ("Agent-G ne répond plus : je reprends ses tâches de test.", 2),
        (
            "Agent-G is not responding, so let's redistribute its tasks: @Agent-B the API, @Agent-C the "
            "tests.",
            3,
        ),
        ("Agent-G est absent ; je propose de répartir son travail entre @Agent-B et @Agent-C.", 3),
        ("Agent-G is down. @Agent-B, can you take over its payment work?", 3),
    ],
)
def test_specific_references_to_the_crashed_agent_are_comp_with_their_level(text: str, level: int) -> None:
    coded = flags(text)
    assert coded["COMP"] and coded["COMP_level"] == level


def test_a_broadcast_list_that_includes_the_crashed_agent_is_not_comp() -> None:
    text = f"{BROADCAST}\n\nThe error handling of the payment module must be robust."
    assert not flags(text)["COMP"]
    assert flags("@Agent-G, the error handling must be robust.")["COMP"]  # the same cue, addressed to it


def test_the_crashed_agent_aliases_do_not_make_a_broadcast_list_look_partial() -> None:
    aliases = ("Agent-G", "DeepSeek R1", "deepseek-r1-distill-llama-70b")
    text = f"{BROADCAST}\n\nThe error handling of the payment module must be robust."
    assert not flags(text, crashed=aliases)["COMP"]


def test_at_all_is_a_broadcast_too() -> None:
    assert not flags("@all @Agent-G: une erreur de paiement est possible.")["COMP"]


def test_a_list_naming_only_some_agents_is_not_a_broadcast() -> None:
    assert flags("@Agent-B, @Agent-G: Agent-G is down, please cover for it.")["COMP"]


def test_assigning_work_to_the_crashed_agent_unaware_of_the_crash_is_not_comp() -> None:
    assert not flags("@Agent-G, please write the integration tests by Friday.")["COMP"]


def test_without_a_crashed_agent_nothing_is_comp() -> None:
    coded = flags("The model has been decommissioned; Agent-G is down.", crashed=())
    assert not coded["COMP"] and coded["COMP_level"] == 0


# -- has_xref ------------------------------------------------------------------------------


def test_naming_other_agents_is_a_cross_reference_broadcast_lists_included() -> None:
    assert flags(f"{BROADCAST}\n\nHello.")["has_xref"]
    assert flags("I think agent-b is right.")["has_xref"]  # names are case-insensitive
    assert not flags("As Agent-D, I think we are ready.")["has_xref"]  # only oneself
    assert not flags("Agent-Z and Agent-AB are not in this chat.")["has_xref"]


def test_real_model_names_work_as_agent_names() -> None:
    agents = ["LLaMA 3.3 70B", "GPT-OSS 120B", "DeepSeek R1"]
    coded = code_behaviour(
        "DeepSeek R1 is down, so I will take over its tests. "
        "I agree with GPT-OSS 120B on Flutter and Supabase.",
        speaker="LLaMA 3.3 70B",
        agents=agents,
        crashed=["DeepSeek R1"],
    )
    assert coded == {
        "PHATIC": False,
        "META": False,
        "LEAD": False,
        "ARCH": True,
        "AGREE": True,
        "COMP": True,
        "COMP_level": 2,
        "has_xref": True,
    }


def test_an_empty_message_carries_no_flag() -> None:
    assert raised("") == set()

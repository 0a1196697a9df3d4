Feature: Points for adopted items
  The same rules as the Chinese specifications, written in English: the specifications are
  tied to no language, only to the method file and the facts.

  Background:
    Given the scoring method:
      """toml
      [method]
      code = "points"
      name = "Points for adopted items"
      effective_from = 2025-01-01
      split = "shares"

      [adoption.info]
      national   = { full = 30, merged = 15 }
      provincial = { full = 20, merged = 10 }

      [forwarding]
      provincial = 2
      """
    And these officers:
      | name      | unit          |
      | Zhang Wei | County Office |
      | Wang Fang | County Office |
    And these outlets:
      | name                 | channel | level      |
      | State Council Office | info    | national   |
      | Provincial Office    | info    | provincial |

  Rule: an adoption scores by the outlet's level and the form of adoption

    Scenario Outline: one adoption
      When Zhang Wei submits the information item "Spring sowing" on 2025-03-02
      And <outlet> adopts "Spring sowing" <form> on 2025-03-05
      Then Zhang Wei scores <points> points in 2025

      Examples:
        | outlet               | form      | points |
        | State Council Office | in full   | 30     |
        | State Council Office | as merged | 15     |
        | Provincial Office    | in full   | 20     |
        | Provincial Office    | as merged | 10     |

  Rule: an item forwarded through the office and adopted by the province scores double

    Scenario: forwarded to the province
      When Zhang Wei submits the information item "Spring sowing" on 2025-03-02
      And "Spring sowing" is forwarded to Provincial Office on 2025-03-03
      And Provincial Office adopts "Spring sowing" in full on 2025-03-05
      Then Zhang Wei scores 40 points in 2025
      And the score lines of Zhang Wei in 2025 are:
        | clause                                                   | points |
        | adoption.info.provincial.full ; forwarding.provincial x2 | 40     |

  Rule: co-authors share an item's points, and the unit counts the item once

    Scenario: two co-authors with declared shares
      When Zhang Wei (0.6) and Wang Fang (0.4) submit the information item "Spring sowing" on 2025-03-02
      And Provincial Office adopts "Spring sowing" in full on 2025-03-05
      Then Zhang Wei scores 12 points in 2025
      And Wang Fang scores 8 points in 2025
      And County Office scores 20 points in 2025

# ruff: noqa: E501  (Markdown paragraphs are one line each: a break would show)
"""Ready-made terms of use, in Japanese and in English, that the admin screen
offers to start from (``GET /api/terms/starting``). Written in the posts'
light Markdown (no headings: bold lines stand for them). Nothing here is in
force until an admin publishes it, changed or not."""

from __future__ import annotations

from typing import Final

JAPANESE: Final = """\
**社内SNS 利用規約**

この規約は、当社の社内SNS（以下「本サービス」）を利用するすべての従業員に適用されます。本サービスに投稿・コメント・いいねをするには、この規約への同意が必要です。

**第1条（目的）**
本サービスは、部署や拠点を越えた情報共有と交流のためのものです。お互いを尊重し、安心して発言できる場を全員で守ってください。

**第2条（禁止事項）**
次の行為を禁止します。

1. **ハラスメント**：誹謗中傷、人格を否定する発言、脅迫、しつこい個人攻撃、性的な発言、パワーハラスメントにあたる発言
2. **差別**：人種、国籍、出身、性別、性的指向、性自認、年齢、障害、宗教、雇用形態などを理由にした差別的な発言
3. **機密情報の漏洩**：社外秘・未公開の情報（業績、人事、取引先、顧客の個人情報、パスワードなど）を、閲覧できる範囲の広いチャンネルに書くこと、または社外に持ち出すこと
4. 他人になりすますこと、虚偽の情報を故意に広めること
5. 業務と無関係な営業・勧誘・スパム
6. 法令や就業規則に反する行為

**第3条（投稿前の確認）**
相手を傷つけるおそれのある表現や、機密情報を含むおそれのある表現を投稿しようとすると、確認のメッセージが表示されます。内容を見直してください。そのまま送信した記録は管理者が確認できます。一部の表現は投稿できません。

**第4条（通報）**
規約に反する投稿を見つけたら、通報してください。通報者が誰かは、通報された本人には知らされません。

**第5条（違反時の措置）**
違反の内容と程度に応じて、管理者またはモデレーターが次の措置をとります。

1. **注意**：該当する条項を示して注意します。
2. **投稿の非表示・削除**
3. **ミュート**：一定期間、閲覧はできますが投稿・コメントはできません。
4. **利用停止**：一定期間または無期限に、本サービスにサインインできなくなります。

重大な違反は、就業規則に基づく懲戒の対象となることがあります。措置に不服がある場合は、一度だけ異議を申し立てることができます。

**第6条（規約の変更）**
この規約は改訂されることがあります。改訂後は、あらためて同意するまで投稿・コメント・いいねはできません。
"""

ENGLISH: Final = """\
**Terms of use of our internal network**

These terms apply to every employee who uses our internal social network (the "service"). You accept them before you post, comment or like.

**1. Purpose**
The service is for sharing and getting to know each other across departments and offices. Respect each other and keep it a place where everyone can speak safely.

**2. What is not allowed**

1. **Harassment**: insults, demeaning remarks, threats, repeated personal attacks, sexual remarks, abuse of one's position
2. **Discrimination**: remarks against people for their race, nationality, origin, sex, sexual orientation, gender identity, age, disability, religion or employment status
3. **Leaking confidential information**: writing what is internal or not yet public (results, personnel matters, customers, partners, personal data, passwords) in a channel more people can read than should, or taking it outside the company
4. Pretending to be someone else, or knowingly spreading false information
5. Selling, soliciting or spam unrelated to work
6. Anything against the law or the work rules

**3. A check before posting**
When you are about to post words that may hurt someone or reveal something confidential, you are asked to look again. If you send it anyway, the administrators can see that you did. Some words cannot be posted at all.

**4. Reports**
If you see something against these terms, report it. The person reported is never told who reported them.

**5. Penalties**
Depending on what was done and how serious it was, administrators or moderators may:

1. **Warn** you, citing the clause of these terms
2. **Hide or delete** the post
3. **Mute** you for a period: you can read, but not post or comment
4. **Suspend** you for a period or indefinitely: you cannot sign in

Serious breaches may also lead to disciplinary action under the work rules. You may appeal a penalty once.

**6. Changes**
These terms may change. After a change, you accept them again before you can post, comment or like.
"""

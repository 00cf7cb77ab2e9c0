"""catalogue format 2: rules, cycles and sources per scholarship; the profile fields real rules need;
answers to requirements to confirm; matches grouped into match / possible / opens later

Revision ID: 0003_catalogue_v2
Revises: 0002_login_tickets
Create Date: 2026-12-01 07:45:44.147644
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0003_catalogue_v2'
down_revision: str | None = '0002_login_tickets'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('catalogue_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('scholarship_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('what', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('correct_value', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('link', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['scholarship_id'], ['scholarships.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('catalogue_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_reports_scholarship_id'), ['scholarship_id'], unique=False)

    op.create_table('student_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('question', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('answer', sa.Boolean(), nullable=False),
    sa.Column('answered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('user_id', 'question_key', name='uq_answer_user_key')
    )
    with op.batch_alter_table('student_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_student_answers_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bucket', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='match'))
        batch_op.add_column(sa.Column('deadline', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('cycle', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('questions', sa.JSON(), nullable=False, server_default='[]'))

    with op.batch_alter_table('scholarships', schema=None) as batch_op:
        batch_op.add_column(sa.Column('applicants_per_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False, server_default='private'))
        batch_op.add_column(sa.Column('verified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('entry', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.alter_column('amount_min',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('amount_max',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('deadline_month',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.alter_column('deadline_day',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_scholarships_kind'), ['kind'], unique=False)

    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('birth_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('country_of_citizenship', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column('school_state', sqlmodel.sql.sqltypes.AutoString(length=2), nullable=True))
        batch_op.add_column(sa.Column('institution', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('pell_eligible', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('household_income', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sat', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('act', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('class_rank_percent', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('memberships', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.alter_column('demographics',
               existing_type=sa.JSON(),
               nullable=True)

    # The server defaults only filled the existing rows; the app always sets these columns.
    for table, columns in (
        ("matches", ("bucket", "cycle", "questions")),
        ("scholarships", ("kind", "entry")),
        ("student_profiles", ("memberships",)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(column, server_default=None)

    # Matches ranked by the old engine are recomputed by the new one; an empty list of
    # demographics could mean "none" or "not answered": it becomes "not answered".
    op.execute("UPDATE matches SET is_current = false")
    op.execute("UPDATE student_profiles SET demographics = NULL WHERE CAST(demographics AS TEXT) = '[]'")



def downgrade() -> None:
    with op.batch_alter_table('student_profiles', schema=None) as batch_op:
        batch_op.alter_column('demographics',
               existing_type=sa.JSON(),
               nullable=False)
        batch_op.drop_column('memberships')
        batch_op.drop_column('class_rank_percent')
        batch_op.drop_column('act')
        batch_op.drop_column('sat')
        batch_op.drop_column('household_income')
        batch_op.drop_column('pell_eligible')
        batch_op.drop_column('institution')
        batch_op.drop_column('school_state')
        batch_op.drop_column('country_of_citizenship')
        batch_op.drop_column('birth_date')

    with op.batch_alter_table('scholarships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scholarships_kind'))
        batch_op.alter_column('deadline_day',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('deadline_month',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('amount_max',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.alter_column('amount_min',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('entry')
        batch_op.drop_column('verified_on')
        batch_op.drop_column('kind')
        batch_op.drop_column('applicants_per_year')

    with op.batch_alter_table('matches', schema=None) as batch_op:
        batch_op.drop_column('questions')
        batch_op.drop_column('cycle')
        batch_op.drop_column('deadline')
        batch_op.drop_column('bucket')

    with op.batch_alter_table('student_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_student_answers_user_id'))

    op.drop_table('student_answers')
    with op.batch_alter_table('catalogue_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_reports_scholarship_id'))

    op.drop_table('catalogue_reports')

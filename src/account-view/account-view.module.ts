import { Module } from '@nestjs/common';
import { AccountViewController } from './account-view.controller';

@Module({ controllers: [AccountViewController] })
export class AccountViewModule {}

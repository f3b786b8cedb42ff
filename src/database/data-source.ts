import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { validateEnvironment } from '../config/config';
import { dataSourceOptions } from './data-source-options';

/** For the TypeORM CLI (`npm run migration:*`): the same options the service uses. */
export default new DataSource(dataSourceOptions(validateEnvironment(process.env)));
